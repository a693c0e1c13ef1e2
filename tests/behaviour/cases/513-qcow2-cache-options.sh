# qcow2 cache options: small L2 caches (evictions, 4 KiB slices), refcount cache sizes, cache-size splits, cache-clean-interval, and their errors
#@ timeout 120
qemu-img create -q -f qcow2 -o cluster_size=4k t.qcow2 64M
o='driver=qcow2,file.filename=t.qcow2'
$QIO -c "open -o $o,l2-cache-size=8k" -c 'write -P 1 0 64k' -c 'write -P 2 8M 64k' -c 'write -P 3 16M 64k' -c 'write -P 4 4k 4k' -c 'read -P 1 0 4k' -c 'read -P 2 8M 64k' -c 'read -P 3 16M 64k'
$QIO -c "open -o $o,l2-cache-entry-size=1k,refcount-cache-size=16k" -c 'write -P 5 24M 128k' -c 'read -P 5 24M 128k'
$QIO -c "open -o $o,cache-size=64k" -c 'write -P 6 32M 128k' -c 'read -P 6 32M 128k'
$QIO -c "open -o $o,cache-size=1M,l2-cache-size=512k" -c 'write -P 7 40M 4k'
$QIO -c "open -o $o,cache-size=1M,refcount-cache-size=512k" -c 'write -P 7 41M 4k'
$QIO -c "open -o $o,cache-clean-interval=1" -c 'write -P 8 48M 4k' -c 'sleep 2500' -c 'read -P 8 48M 4k' -c 'read -P 2 8M 4k'
for bad in cache-size=1M,l2-cache-size=512k,refcount-cache-size=512k cache-size=64k,l2-cache-size=1M cache-size=64k,refcount-cache-size=1M l2-cache-entry-size=256 l2-cache-entry-size=8k l2-cache-entry-size=3k cache-clean-interval=-1 cache-clean-interval=4294967296 l2-cache-size=x lazy-refcounts=maybe overlap-check=some overlap-check=none,overlap-check.template=all; do
  $QIO -c "open -o $o,$bad"
  echo "$bad: exit=$?"
done
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
