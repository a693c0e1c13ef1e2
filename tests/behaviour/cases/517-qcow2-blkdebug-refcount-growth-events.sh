# blkdebug on qcow2: EIO at the events of refcount block allocation and refcount table growth (512-byte clusters, 64-bit refcounts), once and always, then qemu-img check
#@ timeout 120
for once in off on; do
for ev in refblock_alloc_write refblock_alloc_hookup reftable_grow refblock_alloc_write_blocks refblock_alloc_write_table refblock_alloc_switch_table cluster_free; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=64 t.qcow2 64M
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\nonce = "%s"\n' $ev $once > b.cfg
  $QIO -c 'write -P 1 0 20k' -c 'write -P 2 1M 1M' -c 'read -P 2 1M 1M' -c 'write -P 3 3M 64k' -c 'read -P 1 0 20k' blkdebug:b.cfg:t.qcow2
  echo "$ev once=$once: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
done
done
