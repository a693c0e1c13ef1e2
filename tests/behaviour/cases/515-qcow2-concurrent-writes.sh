# qcow2: concurrent writes: aio writes into the same new cluster and L2 table wait for each other's allocation; aio reads meanwhile
qemu-img create -q -f qcow2 t.qcow2 64M
$QIO -c 'aio_write -P 1 0 4k' -c 'aio_write -P 2 4k 4k' -c 'aio_write -P 3 60k 8k' -c 'aio_write -P 4 1M 64k' -c 'aio_write -P 5 1M 4k' -c 'aio_flush' -c 'read -P 1 0 4k' -c 'read -P 2 4k 4k' -c 'read -P 3 60k 8k' -c 'read -P 5 1M 4k' -c 'read -P 4 1028k 60k' t.qcow2 | sort
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
$QIO -c 'aio_write -P 6 8M 128k' -c 'aio_read -P 1 0 4k' -c 'aio_write -z 8M 64k' -c 'aio_write -P 7 9M 4k' -c 'aio_flush' -c 'read -P 0 8M 64k' -c 'read -P 6 8256k 64k' t.qcow2 | sort
qemu-img check t.qcow2
