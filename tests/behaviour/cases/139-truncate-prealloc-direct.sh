# truncate -m full under O_DIRECT fails writing its zeroes (qemu's buffer is not aligned) and leaves the old length; -m falloc on an empty file writes the first block, as a plain truncate does
mkimg 1M
$QIO -f raw -n -c 'truncate -m full 2M' -c 'truncate -m full 1048577' -c 'length' -c 'map' img
echo "exit=$?"
$QIO -c 'open -n -o driver=file,filename=img' -c 'truncate -m full 1536k' -c 'truncate -m falloc 1537k' -c 'length' -c 'truncate -m full 1M' -c 'length'
echo "exit=$?"
$QIO -f raw -c 'truncate -m full 3M' -c 'length' -c 'map' img
echo "exit=$?"
mkimg 0 empty
mkimg 0 empty2
$QIO -f raw -c 'truncate -m falloc 100' -c 'length' empty
$QIO -f raw -c 'truncate -m falloc 64k' -c 'map' empty2
echo "exit=$?"
