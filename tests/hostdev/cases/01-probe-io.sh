# A block device named without a driver is host_device's: info, map, I/O,
# the probed-raw guard of sector 0, read-only opens.
#@ loop 4M
$QIO -f raw $LOOP -c info -c map -c length -c 'write -P 1 1k 1k' \
  -c 'read -P 1 1k 1k' -c 'aio_write -P 2 8k 4k' -c aio_flush \
  -c 'read -P 2 8k 4k' -c 'writev -P 3 64k 512 512' -c flush
echo "exit $?"
$QIO $LOOP -c 'write -P 0x51 0 512' -c 'write -P 4 512 512'
echo "exit $?"
$QIO -r $LOOP -c 'write 0 512' -c 'read -P 4 512 512' -c 'read -P 1 1k 1k'
echo "exit $?"
$QIO -r --image-opts driver=host_device,filename=$LOOP -c info -c 'read -P 2 8k 4k'
$QIO -r --image-opts driver=raw,file.filename=$LOOP -c 'read -P 3 64k 1k'
$QIO -r "host_device:$LOOP" -c length
echo "exit $?"
