# dirty image repair on a read-write open, across layouts: small clusters and wide refcounts, extended L2, compressed clusters, a snapshot, leaks only, a COPIED flag wrong
#@ timeout 60
# qemu-io killed with refcounts still in its caches (large enough to hold them)
kill_dirty() { bash -c "qemu-io -c 'open -o refcount-cache-size=4M,l2-cache-size=4M t.qcow2' $* -c 'sigraise 9'; true" >/dev/null 2>&1; }
setbit() { printf "\\x$2" | dd of=t.qcow2 bs=1 seek=$1 conv=notrunc status=none; }
# (one compressed cluster: qemu compresses several at once, in any order)
for opts in 512,refcount_bits=64 4096,refcount_bits=1 65536,extended_l2=on; do
  cs=${opts%%,*}
  rm -f t.qcow2; qemu-img create -q -f qcow2 -o lazy_refcounts=on,cluster_size=$opts t.qcow2 16M
  kill_dirty -c "'write -c -P 2 2M $cs'" -c "'write -P 1 0 1M'" -c "'write -z 3M 64k'"
  $QIO -c 'read -P 1 0 1M' -c "read -P 2 2M $cs" -c 'map' t.qcow2
  echo "$opts exit=$?"
  qemu-img check t.qcow2; sha256sum t.qcow2
done
# a snapshot: shared clusters, refcounts above 1
rm -f t.qcow2; qemu-img create -q -f qcow2 -o lazy_refcounts=on t.qcow2 16M
qemu-io -c 'write -P 1 0 2M' t.qcow2 >/dev/null
qemu-img snapshot -c s1 t.qcow2
# the snapshot's date (bytes 16-23 of its entry) is the clock's: make it fixed
so=$(od -An -tu8 --endian=big -j64 -N8 t.qcow2 | tr -d ' ')
dd if=/dev/zero of=t.qcow2 bs=1 seek=$((so + 16)) count=8 conv=notrunc status=none
kill_dirty -c "'write -P 3 64k 64k'" -c "'write -P 4 4M 64k'"
$QIO -c 'read -P 3 64k 64k' -c 'read -P 1 0 64k' t.qcow2
echo "snapshot exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
# leaks only: refcounts raised on disk, nothing pointing at them yet
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 16M
qemu-io -c 'write -P 1 0 256k' -c 'discard 64k 128k' t.qcow2 >/dev/null
setbit 79 01
printf '\x00\x01\x00\x02' | dd of=t.qcow2 bs=1 seek=$((0x20000 + 12)) conv=notrunc status=none
$QIO -c 'read -P 1 0 64k' t.qcow2
echo "leaks exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
# a wrong COPIED flag on the L1 entry, with the dirty bit set
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 16M
qemu-io -c 'write -P 1 0 64k' t.qcow2 >/dev/null
setbit 79 01
setbit $((0x30000)) 00
$QIO -r -c 'read -P 1 0 64k' t.qcow2
$QIO -c 'read -P 1 0 64k' -c 'write -P 2 64k 64k' t.qcow2
echo "copied exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
