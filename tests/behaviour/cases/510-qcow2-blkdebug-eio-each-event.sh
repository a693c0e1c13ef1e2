# blkdebug on qcow2: EIO injected at each event an allocating write passes (fresh image, writethrough), then the image qemu-img check sees
#@ timeout 120
for ev in cluster_alloc refblock_alloc refblock_load refblock_update_part l2_alloc_write l2_update l1_update cluster_alloc_space write_aio pwritev pwritev_zero pwritev_done flush_to_os flush_to_disk l2_load read_aio; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 64M
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\n' $ev > b.cfg
  $QIO -c 'write -P 1 0 4k' -c 'write -P 2 64k 4k' -c 'read -P 1 0 4k' blkdebug:b.cfg:t.qcow2
  echo "$ev: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
done
