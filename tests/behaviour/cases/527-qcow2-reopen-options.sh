# reopen with qcow2 options: what may change (caches, overlap checks, lazy refcounts, discard passthrough), qemu's refusals, the backing node's options, read-only reopen clearing the dirty bit
qemu-img create -q -f qcow2 b.qcow2 64M
qemu-img create -q -f qcow2 -b b.qcow2 -F qcow2 t.qcow2 64M
$QIO -c 'reopen -o lazy-refcounts=on,pass-discard-request=on' -c 'reopen -o overlap-check=all' -c 'reopen -o overlap-check.template=none,overlap-check.main-header=on' \
  -c 'reopen -o cache-size=1M' -c 'reopen -o l2-cache-size=512k' -c 'reopen -o l2-cache-entry-size=4k' -c 'reopen -o refcount-cache-size=128k' \
  -c 'reopen -o cache-clean-interval=5' -c 'write -P 1 0 1M' -c 'read -P 1 0 1M' -c 'discard 0 64k' -c 'write -z 64k 64k' -c 'map' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
$QIO -c 'reopen -o lazy-refcounts=42' -c 'reopen -o cache-size=1M,l2-cache-size=64k,refcount-cache-size=64k' -c 'reopen -o cache-size=1M,l2-cache-size=2M' \
  -c 'reopen -o l2-cache-entry-size=33k' -c 'reopen -o refcount-cache-size=256T' -c 'reopen -o overlap-check=constant,overlap-check.template=all' \
  -c 'reopen -o overlap-check=blubb' -c 'reopen -o cache-clean-interval=-1' -c 'reopen -o cache-clean-interval=x' -c 'reopen -o l2-cache-size=x,lazy-refcounts=y' \
  -c 'reopen -o backing.lazy-refcounts=on' -c 'reopen -o backing.node-name=x' -c 'reopen -o backing.driver=raw' -c 'reopen -o backing=nope' \
  -c 'reopen -o file.lazy-refcounts=on' -c 'reopen -o backing.l2-cache-size=1M,backing.read-only=off' t.qcow2
echo "exit=$?"
# lazy refcounts: the dirty bit set by a write, cleared by a read-only reopen or by turning them off
$QIO -c 'reopen -o lazy-refcounts=on' -c 'write -P 2 1M 64k' -c 'reopen -r' -c 'read -P 2 1M 64k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
$QIO -c 'reopen -o lazy-refcounts=on' -c 'write -P 3 2M 64k' -c 'reopen -o lazy-refcounts=off' -c 'write -P 3 3M 64k' -c 'info' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
# a failed reopen changes nothing: lazy refcounts stay off
$QIO -c 'reopen -o lazy-refcounts=on,overlap-check=blubb' -c 'write -P 4 4M 64k' -c 'reopen -o overlap-check=none,lazy-refcounts=42' -c 'info' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
# blkdebug: the reopen flushes and writes the caches back
printf '[inject-error]\nevent = "l2_update"\nerrno = "5"\n' > b.cfg
$QIO -c 'write -P 5 5M 4k' -c 'reopen -o cache-size=2M' -c 'reopen -o overlap-check=all' blkdebug:b.cfg:t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
