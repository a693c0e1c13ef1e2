# qcow2 truncate: grow (off, metadata, falloc, full) and shrink; unaligned sizes, a backing file longer than the image (the new area reads as zeroes), extended L2, small clusters with 64-bit refcounts
#@ timeout 60
for mode in off metadata falloc full; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
  $QIO -c 'write -P 1 0 64k' -c 'write -P 2 960k 64k' -c "truncate -m $mode 3M" -c 'length' -c 'map' -c 'read -P 2 960k 64k' -c 'read -P 0 1M 2M' t.qcow2
  echo "$mode exit=$?"
  qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; sha256sum t.qcow2; stat -c %s t.qcow2
done
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 8M
$QIO -c 'write -P 1 0 8M' -c 'truncate 1M' -c 'length' -c 'map' -c 'truncate -m falloc 512k' -c 'truncate 1000' -c 'truncate 2560' -c 'read -P 1 0 2k' -c 'read -P 0 2k 512' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; sha256sum t.qcow2
for mode in off metadata falloc full; do
 for ext in off on; do
  rm -f b.qcow2 t.qcow2
  qemu-img create -q -f qcow2 b.qcow2 4M
  qemu-io -c 'write -P 7 0 4M' b.qcow2 >/dev/null
  qemu-img create -q -f qcow2 -o extended_l2=$ext -b b.qcow2 -F qcow2 t.qcow2 $((1048576+1536))
  $QIO -c 'write -P 1 1M 1k' -c "truncate -m $mode $((3*1048576+512))" -c 'length' -c 'map' -c 'read -P 1 1M 1k' -c 'read -P 0 1049600 2096640' -c 'alloc 0 4M' t.qcow2
  echo "$mode $ext exit=$?"
  qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; sha256sum t.qcow2
 done
done
for cs in 512 4096; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 -o cluster_size=$cs,refcount_bits=64 t.qcow2 4M
  $QIO -c 'write -P 1 0 4M' -c 'truncate 64k' -c 'map' -c 'truncate -m falloc 8M' -c 'truncate -m metadata 12M' -c 'truncate -m full 13M' -c 'map' -c 'read -P 1 0 64k' -c 'read -P 0 64k 12M' -c 'truncate 5000' t.qcow2
  echo "$cs exit=$?"
  qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; sha256sum t.qcow2
done
