# blkmon's extents command: reference side prints what qemu-img map --output=json prints
mkimg 64k
if [[ "$QIO" == *blkmon* ]]; then
  $QIO -f raw -c 'write -q -P 1 8k 4k' -c 'extents -j' -c 'extents -j 4k 8k' -c 'extents -j 1M' img
else
  qemu-io -f raw -c 'write -q -P 1 8k 4k' img
  qemu-img map -f raw --output=json img
  qemu-img map -f raw --output=json --start-offset 4k --max-length 8k img
  echo '[{ "start": 1048576, "length": 0, "depth": 0, "present": false, "zero": false, "data": false}]'
fi
echo "exit=$?"
