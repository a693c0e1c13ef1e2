# blkdebug on qcow2: at each event of an allocating write, of a read and write after reopening (l2_load), and of open (reftable_load), an error once with ENOSPC, immediately with EIO, and only in a state a set-state rule at cluster_alloc reaches; the events qemu-io never fires (reftable_update, refblock_update, empty_image_prepare) fail nothing; then what qemu-img check sees
#@ timeout 300
cfg() {  # event options
  printf '[set-state]\nstate = "1"\nevent = "cluster_alloc"\nnew_state = "2"\n' > b.cfg
  printf '[inject-error]\nevent = "%s"\n%s\n' "$1" "$2" >> b.cfg
}
for ev in cluster_alloc refblock_alloc refblock_load refblock_update_part l2_alloc_write l2_update l1_update cluster_alloc_space write_aio pwritev pwritev_zero pwritev_done flush_to_os flush_to_disk read_aio; do
  i=0
  while [ $i -lt 3 ]; do
    case $i in
    0) opt='errno = "28"
once = "on"' ;;
    1) opt='errno = "5"
immediately = "on"' ;;
    2) opt='errno = "5"
once = "on"
state = "2"' ;;
    esac
    rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 64M
    cfg $ev "$opt"
    $QIO -c 'write -P 1 0 4k' -c 'write -P 2 64k 4k' -c 'read -P 1 0 4k' -c 'read -P 2 64k 4k' blkdebug:b.cfg:t.qcow2
    echo "$ev variant $i: exit=$?"
    qemu-img check t.qcow2 2>&1
    sha256sum t.qcow2
    i=$((i + 1))
  done
done
# An image with data: reading loads its L2 table (l2_load); opening loads
# the refcount table (reftable_load, the one event of open).
for ev in l2_load read_aio write_aio reftable_load; do
  i=0
  while [ $i -lt 3 ]; do
    case $i in
    0) opt='errno = "28"
once = "on"' ;;
    1) opt='errno = "5"
immediately = "on"' ;;
    2) opt='errno = "5"
once = "on"
state = "2"' ;;
    esac
    rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 64M
    qemu-io -c 'write -P 1 0 128k' t.qcow2 >/dev/null
    cfg $ev "$opt"
    $QIO -c 'read -P 1 0 4k' -c 'write -P 3 0 4k' -c 'read -P 3 0 4k' -c 'write -P 4 1M 4k' -c 'read -P 1 64k 4k' blkdebug:b.cfg:t.qcow2
    echo "$ev with data, variant $i: exit=$?"
    qemu-img check t.qcow2 2>&1
    sha256sum t.qcow2
    i=$((i + 1))
  done
done
for ev in reftable_update refblock_update empty_image_prepare; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 64M
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\n' $ev > b.cfg
  $QIO -c 'write -P 1 0 4k' -c 'write -z 64k 64k' -c 'discard 0 64k' -c 'truncate 1M' -c 'read -P 0 0 4k' blkdebug:b.cfg:t.qcow2
  echo "$ev: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
done
