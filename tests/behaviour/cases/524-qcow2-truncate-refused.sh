# qcow2 truncate refused: v2 with snapshots, preallocated shrink, unaligned size, read-only, corrupt
rm -f t.qcow2; qemu-img create -q -f qcow2 -o compat=0.10 t.qcow2 1M
qemu-img snapshot -c s1 t.qcow2
$QIO -c 'truncate 2M' -c 'length' t.qcow2; echo "exit=$?"
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
qemu-img snapshot -c s1 t.qcow2
$QIO -c 'write -P 1 0 1M' -c 'truncate 2M' -c 'length' -c 'truncate 512k' -c 'length' t.qcow2; echo "exit=$?"
qemu-img check t.qcow2; qemu-img snapshot -l t.qcow2 | sed 's/  .*//'
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
$QIO -c 'truncate -m falloc 512k' -c 'truncate -m metadata 512k' -c 'truncate 1000' -c 'truncate 1M' -c 'length' t.qcow2; echo "exit=$?"
$QIO -r -c 'truncate 2M' t.qcow2; echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
