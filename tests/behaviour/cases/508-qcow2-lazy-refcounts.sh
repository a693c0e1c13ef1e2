# qcow2: lazy refcounts: the dirty bit is set by the first write and cleared at close; writethrough and writeback
qemu-img create -q -f qcow2 -o lazy_refcounts=on t.qcow2 16M
$QIO -c 'write -P 1 0 4k' -c 'write -P 2 1M 64k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
$QIO -t writeback -c 'write -P 3 2M 4k' -c 'read -P 3 2M 4k' t.qcow2
qemu-img check t.qcow2
$QIO -c 'open -o driver=qcow2,lazy-refcounts=off,file.filename=t.qcow2' -c 'write -P 4 3M 4k' -c 'info'
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
