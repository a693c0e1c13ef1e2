# qcow2: zero writes: whole clusters (fresh, over data, with -u), partial clusters, over a zero cluster
qemu-img create -q -f qcow2 t.qcow2 16M
$QIO -c 'write -P 1 0 256k' -c 'write -z 0 64k' -c 'write -z -u 64k 64k' -c 'write -z 128k 4k' -c 'write -z 1M 64k' -c 'write -z 2M 4k' -c 'write -z 3M 200k' -c 'read -P 0 0 128k' -c 'read -P 0 128k 4k' -c 'read -P 1 132k 124k' -c 'read -P 0 1M 64k' -c 'write -P 2 4k 4k' -c 'read -P 0 0 4k' -c 'read -P 2 4k 4k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
