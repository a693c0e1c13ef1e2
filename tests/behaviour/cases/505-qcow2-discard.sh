# qcow2: discard: whole clusters, partial clusters ignored, the file's clusters punched, then rewritten
qemu-img create -q -f qcow2 t.qcow2 16M
$QIO -c 'write -P 1 0 512k' -c 'discard 0 64k' -c 'discard 70k 100k' -c 'read -P 0 0 64k' -c 'read -P 1 64k 64k' -c 'read -P 0 128k 64k' -c 'write -P 2 0 4k' -c 'write -P 3 128k 64k' -c 'discard 1M 1M' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
$QIO -d ignore -c 'discard 256k 64k' t.qcow2
qemu-img map --output=json t.qcow2
$QIO -c 'open -o driver=qcow2,pass-discard-request=off,file.filename=t.qcow2' -c 'discard 320k 64k' -c 'read -P 0 320k 64k'
qemu-img map --output=json t.qcow2
qemu-img check t.qcow2
