# the copy-on-read filter over a qcow2 image with a raw backing file: reads copy what the backing file has into the image; writes, zero writes, discards, truncate pass through; bottom= limits the copy to the chain above a node; a read-only device, an unknown bottom, a filter as bottom and a stray option are refused
qemu-img create -q -f raw b.raw 4M
qemu-io -f raw -c 'write -P 5 0 4M' b.raw >/dev/null
qemu-img create -q -f qcow2 -b b.raw -F raw m.qcow2
qemu-io -c 'write -P 6 1M 64k' m.qcow2 >/dev/null
qemu-img create -q -f qcow2 -b m.qcow2 -F qcow2 t.qcow2
cp t.qcow2 t0.qcow2
$QIO -c 'open -o driver=copy-on-read,file.driver=qcow2 t.qcow2' -c 'read -P 5 0 64k' -c 'read -P 6 1M 64k' -c 'read -P 5 100k 5000' -c 'read 0 0' -c map -c info
echo "exit=$?"
qemu-img map --output=json t.qcow2
cp t0.qcow2 t.qcow2
$QIO -c 'open -o driver=copy-on-read,file.driver=qcow2,file.backing.node-name=mid,bottom=mid t.qcow2' -c 'read -P 5 0 64k' -c 'read -P 6 1M 64k' -c 'read -P 5 960k 192k' -c map
echo "exit=$?"
qemu-img map --output=json t.qcow2
cp t0.qcow2 t.qcow2
$QIO -c 'open -o driver=copy-on-read,file.driver=qcow2 t.qcow2' -c 'write -P 7 0 4k' -c 'read -P 7 0 4k' -c 'write -z 64k 64k' -c 'discard 128k 64k' -c 'truncate 8M' -c length -c flush -c map
echo "exit=$?"
qemu-img check t.qcow2
$QIO -c 'open -r -o driver=copy-on-read,file.driver=qcow2 t.qcow2'
$QIO -r -c 'open -o driver=copy-on-read,file.driver=qcow2 t.qcow2'
$QIO -c 'open -o driver=copy-on-read,file.driver=qcow2,bottom=nosuch t.qcow2'
$QIO -c 'open -o driver=copy-on-read,file.driver=qcow2,bottom=x,file.backing.driver=blkdebug,file.backing.node-name=x,file.backing.image.driver=qcow2 t.qcow2'
$QIO -c 'open -o driver=copy-on-read,file.driver=qcow2,foo=bar t.qcow2'
echo "exit=$?"
# without a driver for the child, the image file itself
$QIO -c 'open -o driver=copy-on-read t.qcow2' -c 'read -v 0 8' -c info
