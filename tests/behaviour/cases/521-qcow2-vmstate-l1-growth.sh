# qcow2's VM state area (write -b, read -b): past the disk, growing the L1 table (l1_grow_* events, an EIO at each), not in map; raw has none
#@ timeout 120
qemu-img create -q -f qcow2 -o cluster_size=512 t.qcow2 1M
$QIO -c 'write -b -P 3 0 4k' -c 'read -b -P 3 0 4k' -c 'read -P 0 0 4k' -c 'write -b -P 4 1M 512' -c 'read -b -P 0 4k 512' -c 'read -b -P 4 1M 512' -c map -c 'write -b 0 100' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
$QIO -f raw -c 'write -b 0 512' -c 'read -b 0 512' t.qcow2
for ev in l1_grow_alloc_table l1_grow_write_table l1_grow_activate_table vmstate_save vmstate_load; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=512 t.qcow2 1M
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\n' $ev > b.cfg
  $QIO -c 'write -b -P 5 0 512' -c 'read -b -P 5 0 512' -c 'write -P 6 0 512' blkdebug:b.cfg:t.qcow2
  echo "$ev: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
done
