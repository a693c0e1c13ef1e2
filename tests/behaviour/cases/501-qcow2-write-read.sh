# qcow2: writes allocating clusters and an L2 table, partial clusters (COW from zeroes), reads back
qemu-img create -q -f qcow2 t.qcow2 64M
$QIO -c 'write -P 1 0 4k' -c 'write -P 2 60k 8k' -c 'write -P 3 1M 64k' -c 'write -P 4 100 200' -c 'read -P 1 0 100' -c 'read -P 4 100 200' -c 'read -P 2 60k 8k' -c 'read -P 0 68k 60k' -c 'read -P 3 1M 64k' -c 'read -P 0 2M 1M' -c 'writev -P 5 3M 1k 3k 60k' -c 'readv -P 5 3M 32k 32k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
