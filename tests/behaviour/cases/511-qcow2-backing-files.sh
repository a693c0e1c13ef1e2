# qcow2 backing files: a raw and a qcow2 backing file (header name and format), reads fall through, partial writes copy from the backing file, zero and discard over it, map and extents
qemu-img create -q -f raw base.raw 4M
qemu-io -f raw -c 'write -P 7 0 4M' -c 'write -z 1M 64k' base.raw >/dev/null
qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2 4M
qemu-io -c 'write -P 8 128k 128k' mid.qcow2 >/dev/null
qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2 6M
$QIO -c 'read -P 7 0 64k' -c 'read -P 8 128k 128k' -c 'read -P 0 1M 64k' -c 'read -P 0 4M 1M' -c 'write -P 9 4k 4k' -c 'write -P 9 130k 1k' -c 'write -z 512k 64k' -c 'write -z 600k 4k' -c 'discard 2M 64k' -c 'read -P 7 0 4k' -c 'read -P 9 4k 4k' -c 'read -P 7 8k 56k' -c 'read -P 8 128k 2k' -c 'read -P 9 130k 1k' -c 'read -P 0 512k 64k' -c 'read -P 0 2M 64k' -c map -c 'alloc 0 4M' top.qcow2
echo "exit=$?"
qemu-img check top.qcow2
qemu-img map --output=json mid.qcow2
# blkmon's extents -j prints what qemu-img map prints
if [[ "$QIO" == *blkmon* ]]; then
  $QIO -r -c 'extents -j' top.qcow2
else
  qemu-img map --output=json top.qcow2
fi
