# Which driver takes a block device: file refuses it, host_cdrom takes it
# but finds no disc, host_device takes it.
#@ loop 1M
$QIO --image-opts driver=file,filename=$LOOP -c info
$QIO -r --image-opts driver=raw,file.driver=file,file.filename=$LOOP -c info
echo "exit $?"
$QIO --image-opts driver=host_cdrom,filename=$LOOP -c flush -c 'truncate 0' \
  -c 'aio_read 0 512' -c aio_flush -c 'readv 0 512' -c 'alloc 0 512' \
  -c 'discard 0 512' -c 'write -z 0 512' -c map -c info -c length \
  -c 'read 0 512' -c 'write -P 1 0 512'
echo "exit $?"
$QIO -c "open -o driver=host_device,filename=$LOOP,aio=native" -c info
$QIO -n -c "open -o driver=host_device,filename=$LOOP,aio=native" -c 'read 0 4k'
echo "exit $?"
