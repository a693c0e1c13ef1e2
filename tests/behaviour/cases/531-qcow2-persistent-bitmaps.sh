# persistent dirty bitmaps: loaded and marked in use on a read-write open, set by writes, zero writes and discards (enabled ones), stored at close and on a read-only reopen; abort leaves them in use; truncate resizes them; an extension whose autoclear bit is off is dropped
qemu-img create -q -f qcow2 t.qcow2 10M
qemu-img bitmap --add -g 64k t.qcow2 b1
qemu-img bitmap --add -g 128k --disable t.qcow2 b2
qemu-img bitmap --add -g 16k t.qcow2 b3
$QIO -c 'write -P 1 0 1M' -c 'write -z 3M 64k' -c 'discard 5M 128k' -c 'info' t.qcow2
echo "exit=$?"
qemu-img info t.qcow2 | sed -n '/bitmaps/,$p'; qemu-img check t.qcow2
qemu-img convert -f qcow2 -O qcow2 --bitmaps t.qcow2 c.qcow2; qemu-img map --output=json c.qcow2 >/dev/null
sha256sum t.qcow2
$QIO -r -c 'info' t.qcow2
$QIO -c 'write 2M 4k' -c 'reopen -r' -c 'info' -c 'reopen -w' -c 'write 6M 64k' -c 'info' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
bash -c "$QIO -c 'write 7M 64k' -c 'abort' t.qcow2; true" >/dev/null 2>&1
qemu-img info t.qcow2 | sed -n '/bitmaps/,/refcount/p'
$QIO -c 'info' -c 'write 8M 4k' -c 'truncate 12M' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2 | tail -1; sha256sum t.qcow2
# a fresh image: truncate with consistent bitmaps resizes them
qemu-img create -q -f qcow2 u.qcow2 4M
qemu-img bitmap --add u.qcow2 b1
$QIO -c 'write 3M 64k' -c 'truncate 8M' -c 'write 7M 64k' -c 'truncate 2M' -c info u.qcow2
echo "exit=$?"
qemu-img check u.qcow2; sha256sum u.qcow2
# the autoclear bit off: bitmaps inconsistent, the extension dropped on a read-write open
printf '\x00' | dd of=u.qcow2 bs=1 seek=95 conv=notrunc status=none
# (qemu ends the warning with no line end)
$QIO -r -c 'read 0 4k' u.qcow2; echo >&2
$QIO -c 'read 0 4k' u.qcow2; echo >&2
$QIO -c 'info' u.qcow2
sha256sum u.qcow2
