# dirty images (lazy refcounts, killed before close) repaired on a read-write open as qemu repairs them; read-only opens leave them dirty
qemu-img create -q -f qcow2 -o lazy_refcounts=on t.qcow2 64M
bash -c "qemu-io -c 'write -P 1 0 1M' -c 'write -P 2 8M 64k' -c 'sigraise 9' t.qcow2; true" 2>/dev/null
qemu-img info t.qcow2 | grep -i dirty; qemu-img check t.qcow2
$QIO -r -c 'read -P 1 0 1M' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
$QIO -c 'read -P 2 8M 64k' -c 'write -P 3 16M 4k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
