# qcow2: growth of the metadata: refcount blocks, the refcount table and the L1 table (512-byte clusters, 64-bit refcounts)
qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=64 t.qcow2 64M
$QIO -c 'write -P 1 0 40k' -c 'write -P 2 1M 1M' -c 'write -P 3 40M 4k' -c 'write -P 4 63M 512' -c 'read -P 1 0 40k' -c 'read -P 2 1M 1M' -c 'read -P 3 40M 4k' -c 'read -P 4 63M 512' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2 | head -20
