# blkdebug on qcow2 truncate: EIO at each event a shrink and the grow modes pass, then what qemu-img check sees
#@ timeout 200
for ev in l1_shrink_write_table l1_shrink_free_l2_clusters cluster_free refblock_load refblock_update_part l2_update l1_update l1_grow_alloc_table l1_grow_write_table l1_grow_activate_table cluster_alloc refblock_alloc refblock_alloc_write_blocks refblock_alloc_write_table refblock_alloc_switch_table l2_alloc_write cow_read cow_write pwritev pwritev_zero pwritev_done flush_to_os flush_to_disk; do
 for mode in off metadata falloc; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=4k t.qcow2 8M
  qemu-io -c 'write -P 1 0 8M' t.qcow2 >/dev/null
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\n' $ev > b.cfg
  if [ $mode = off ]; then
    $QIO -c 'truncate 1000k' -c 'length' -c 'read -P 1 0 4k' blkdebug:b.cfg:t.qcow2
  else
    $QIO -c "truncate -m $mode 12289k" -c 'length' -c 'read -P 1 0 4k' blkdebug:b.cfg:t.qcow2
  fi
  echo "$ev $mode: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
 done
done
