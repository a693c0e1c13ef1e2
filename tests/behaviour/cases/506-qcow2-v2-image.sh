# qcow2: a compat=0.10 (v2) image: writes, zero writes become discards without a backing file, reads
qemu-img create -q -f qcow2 -o compat=0.10 t.qcow2 16M
$QIO -c 'write -P 1 0 200k' -c 'write -z 64k 64k' -c 'write -z 0 4k' -c 'discard 128k 64k' -c 'read -P 0 64k 64k' -c 'read -P 0 0 4k' -c 'read -P 1 4k 60k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
