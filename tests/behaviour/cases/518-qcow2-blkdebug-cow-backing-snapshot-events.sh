# blkdebug on qcow2: errors at the events of copy-on-write from a backing file (cow_read, cow_write, read_backing_aio), of L2 tables shared with a snapshot (l2_alloc_cow_read, cluster_free), with errno, once and immediately
#@ timeout 120
qemu-img create -q -f raw base.raw 1M
qemu-io -f raw -c 'write -P 7 0 1M' base.raw >/dev/null
for ev in cow_read cow_write read_backing_aio read_aio write_aio; do
  for opt in 'errno = "5"' 'errno = "28"
once = "on"' 'errno = "5"
immediately = "on"'; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 -b base.raw -F raw t.qcow2 1M
    printf '[inject-error]\nevent = "%s"\n%s\n' $ev "$opt" > b.cfg
    $QIO -c 'write -P 1 4k 4k' -c 'write -P 2 100k 40k' -c 'read -P 7 0 4k' -c 'read -P 1 4k 4k' -c 'read -P 2 100k 40k' -c 'read -P 7 140k 4k' blkdebug:b.cfg:t.qcow2
    echo "$ev: exit=$?"
    qemu-img check t.qcow2 2>&1
    sha256sum t.qcow2
  done
done
for ev in l2_alloc_cow_read l2_alloc_write cluster_free; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
  qemu-io -c 'write -P 1 0 256k' t.qcow2 >/dev/null
  qemu-img snapshot -c s t.qcow2
  so=$(od -An -tu8 --endian=big -j64 -N8 t.qcow2 | tr -d ' ')
  dd if=/dev/zero of=t.qcow2 bs=1 seek=$((so + 16)) count=8 conv=notrunc status=none
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\n' $ev > b.cfg
  $QIO -c 'write -P 3 4k 4k' -c 'read -P 3 4k 4k' -c 'discard 64k 64k' blkdebug:b.cfg:t.qcow2
  echo "$ev: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
done
