# Zeroes and discard on a block device: BLKZEROOUT under O_DIRECT, written
# zeroes otherwise, BLKDISCARD, with and without unmapping.
#@ loop 4M
$QIO -f raw $LOOP -c 'write -P 0xaa 0 1M' -c 'write -z 0 64k' \
  -c 'read -P 0 0 64k' -c 'read -P 0xaa 64k 64k' -c 'write -z -u 128k 64k' \
  -c 'read -P 0 128k 64k' -c 'discard 256k 64k' -c 'write -z 300k 1k' \
  -c 'read -P 0 300k 1k' -c 'aio_write -z 400k 4k' -c aio_flush
echo "exit $?"
$QIO -n -f raw $LOOP -c 'write -P 0xbb 1M 1M' -c 'write -z 1M 64k' \
  -c 'read -P 0 1M 64k' -c 'write -z -u 1088k 64k' -c 'read -P 0 1088k 64k' \
  -c 'discard 1152k 64k' -c 'write -z 1300k 512' -c 'read -P 0 1300k 512' \
  -c 'write -z 1301k 100' -c 'read -P 0xbb 1400k 64k'
echo "exit $?"
$QIO --image-opts driver=host_device,filename=$LOOP,cache.direct=on \
  -c 'write -z -u 2M 1M' -c 'read -P 0 2M 1M' -c map
echo "exit $?"
