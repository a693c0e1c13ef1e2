# A character device opens with host_device, named or found by its name:
# no length, so every transfer is out of bounds.
$QIO --image-opts driver=host_device,filename=/dev/null -c info -c length \
  -c map -c 'read 0 512' -c 'write 0 512' -c 'write -z 0 512' \
  -c 'discard 0 512' -c flush -c 'truncate 0' -c 'truncate 1M'
echo "exit $?"
$QIO -f raw /dev/null -c info -c 'read 0 1' -c 'aio_write 0 512' -c aio_flush
echo "exit $?"
$QIO /dev/null -c info -c length
$QIO -r host_device:/dev/null -c info -c length
$QIO -r -f raw host_device:/dev/null -c info
$QIO -r -f raw --image-opts driver=raw,file.filename=/dev/null -c info
$QIO -r --image-opts driver=raw,file.driver=host_device,file.filename=/dev/null -c 'open -r -o driver=host_device,filename=/dev/null' -c info
echo "exit $?"
