# snapshot mode: -s and open -s on raw and qcow2 images, writes kept in a temporary overlay, the image untouched
# the overlays go to $TMPDIR and are gone at exit
mkdir tmpd; export TMPDIR=$T/tmpd
mkimg 1M r.img
qemu-io -f raw -c 'write -P 9 0 1M' r.img >/dev/null
qemu-img create -q -f qcow2 t.qcow2 1M
qemu-io -c 'write -P 5 64k 64k' t.qcow2 >/dev/null
$QIO -s -c 'write -P 1 0 4k' -c 'read -P 1 0 4k' -c 'read -P 9 4k 4k' -c info -c 'map' -c 'alloc 0 1M' -c length r.img
echo "exit=$?"
$QIO -s -f raw -c 'write -P 1 0 4k' -c 'discard 0 64k' -c 'read -P 9 0 4k' -c 'write -z 64k 64k' -c 'read -P 0 64k 64k' -c 'truncate 2M' -c length -c 'read -P 0 1M 1M' r.img
echo "exit=$?"
$QIO -c 'write -P 1 0 4k' -c 'close' -c 'open -s t.qcow2' -c 'read -P 1 0 4k' -c 'read -P 5 64k 64k' -c 'write -P 2 0 4k' -c 'read -P 2 0 4k' -c 'map' -c 'close' -c 'open -s -r t.qcow2' -c 'write 0 4k' -c 'info' -c 'map' -c 'close' -c 'open -r t.qcow2' -c 'read -P 1 0 4k' -c 'map' t.qcow2
echo "exit=$?"
$QIO -s -c 'write -P 3 0 4k' -c 'read -P 3 0 4k' blkdebug::t.qcow2
echo "exit=$?"
$QIO -s -c 'open -s t.qcow2' -c 'read 0 4k' -c 'open t.qcow2' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum r.img t.qcow2
ls -A tmpd | wc -l
