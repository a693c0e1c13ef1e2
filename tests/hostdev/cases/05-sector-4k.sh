# A device with 4 KiB logical blocks: under O_DIRECT the block layer works
# in whole blocks (its alignment is the device's), buffered it does not
# have to.
#@ loop 4M 4096
$QIO -n -f raw $LOOP -c 'write -P 1 100 200' -c 'read -P 1 100 200' \
  -c 'read -P 0 0 100' -c 'write -P 2 4095 2' -c 'read -P 2 4095 2' \
  -c 'aio_write -P 3 10000 5000' -c aio_flush -c 'read -P 3 10000 5000' \
  -c 'write -z 513 1000' -c 'read -P 0 513 1000' -c 'discard 0 4096'
echo "exit $?"
$QIO -f raw $LOOP -c 'read -P 3 10000 5000' -c 'write -P 4 1 1' -c 'read -P 4 1 1'
$QIO -n -r -f raw $LOOP -c 'read -P 4 1 1' -c 'read -P 1 513 1'
echo "exit $?"
