# blkdebug on qcow2: the events of particular situations (copy-on-write from a backing file, an L2 table shared with a snapshot, refcount table growth with 512-byte clusters and 64-bit refcounts, compressed clusters, L1 growth, a shrinking truncate), each with an error once with ENOSPC, immediately with EIO, and only in a state a set-state rule at cluster_alloc reaches; then what qemu-img check sees
#@ timeout 400
opt_of() {
  case $1 in
  0) printf 'errno = "28"\nonce = "on"\n' ;;
  1) printf 'errno = "5"\nimmediately = "on"\n' ;;
  2) printf 'errno = "5"\nonce = "on"\nstate = "2"\n' ;;
  esac
}
cfg() {  # event variant
  printf '[set-state]\nstate = "1"\nevent = "cluster_alloc"\nnew_state = "2"\n' > b.cfg
  printf '[inject-error]\nevent = "%s"\n' "$1" >> b.cfg
  opt_of $2 >> b.cfg
}
report() {
  echo "$1 variant $2: exit=$3"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
}
qemu-img create -q -f raw base.raw 1M
qemu-io -f raw -c 'write -P 7 0 1M' base.raw >/dev/null
for ev in cow_read cow_write read_backing_aio; do
  for i in 0 1 2; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 -b base.raw -F raw t.qcow2 1M
    cfg $ev $i
    $QIO -c 'write -P 1 4k 4k' -c 'write -P 2 100k 40k' -c 'read -P 7 0 4k' -c 'read -P 1 4k 4k' -c 'read -P 7 140k 4k' blkdebug:b.cfg:t.qcow2
    report $ev $i $?
  done
done
for ev in l2_alloc_cow_read cluster_free; do
  for i in 0 1 2; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
    qemu-io -c 'write -P 1 0 256k' t.qcow2 >/dev/null
    qemu-img snapshot -c s t.qcow2
    # The snapshot's date: zeroed, so that the image hashes alike.
    so=$(od -An -tu8 --endian=big -j64 -N8 t.qcow2 | tr -d ' ')
    dd if=/dev/zero of=t.qcow2 bs=1 seek=$((so + 16)) count=8 conv=notrunc status=none
    cfg $ev $i
    $QIO -c 'write -P 3 4k 4k' -c 'read -P 3 4k 4k' -c 'write -P 4 300k 4k' -c 'discard 64k 64k' -c 'read -P 1 0 4k' blkdebug:b.cfg:t.qcow2
    report $ev $i $?
  done
done
for ev in refblock_alloc_write refblock_alloc_hookup reftable_grow refblock_alloc_write_blocks refblock_alloc_write_table refblock_alloc_switch_table; do
  for i in 0 1 2; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=64 t.qcow2 64M
    cfg $ev $i
    $QIO -c 'write -P 1 0 20k' -c 'write -P 2 1M 1M' -c 'read -P 2 1M 1M' -c 'write -P 3 3M 64k' -c 'read -P 1 0 20k' blkdebug:b.cfg:t.qcow2
    report $ev $i $?
  done
done
for ev in write_compressed cluster_alloc_bytes l2_update_compressed read_compressed; do
  for i in 0 1 2; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
    qemu-io -c 'write -c -P 5 512k 64k' t.qcow2 >/dev/null
    cfg $ev $i
    $QIO -c 'write -c -P 1 0 64k' -c 'write -c -P 2 64k 64k' -c 'read -P 1 0 64k' -c 'read -P 2 64k 64k' -c 'read -P 5 512k 64k' blkdebug:b.cfg:t.qcow2
    report $ev $i $?
  done
done
for ev in l1_grow_alloc_table l1_grow_write_table l1_grow_activate_table; do
  for i in 0 1 2; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=512 t.qcow2 1M
    cfg $ev $i
    $QIO -c 'write -P 6 0 512' -c 'write -b -P 5 0 512' -c 'read -b -P 5 0 512' -c 'read -P 6 0 512' blkdebug:b.cfg:t.qcow2
    report $ev $i $?
  done
done
for ev in l1_shrink_write_table l1_shrink_free_l2_clusters; do
  for i in 0 1 2; do
    rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=4k t.qcow2 8M
    qemu-io -c 'write -P 1 0 8M' t.qcow2 >/dev/null
    cfg $ev $i
    $QIO -c 'write -P 2 8188k 4k' -c 'truncate 1000k' -c 'length' -c 'read -P 1 0 4k' blkdebug:b.cfg:t.qcow2
    report $ev $i $?
  done
done
