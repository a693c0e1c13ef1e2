# qcow2: map and alloc (allocation in the top layer, runs merged), and blkmon's extents -j against qemu-img map --output=json
qemu-img create -q -f qcow2 t.qcow2 64M
$QIO -c 'write -P 1 0 4k' -c 'write -z 64k 64k' -c 'write 1M 4k' -c 'write -z -u 2M 64k' -c 'write 64M-4k 4k' -c map -c 'alloc 0 1M' -c 'alloc 60k 200k' -c 'alloc 63M 2M' -c 'alloc 64M 1' -c 'alloc 1M' t.qcow2
echo "exit=$?"
if [[ "$QIO" == *blkmon* ]]; then
  $QIO -r -c 'extents -j' t.qcow2
else
  qemu-img map --output=json t.qcow2
fi
qemu-img check t.qcow2
