# copy-on-read (-C) into a qcow2 image over a backing file: what is read from the backing file is written into the image (cor_write), whole clusters, zeroes as zero clusters; allocated parts read as they are
qemu-img create -q -f qcow2 b.qcow2 4M
qemu-io -c 'write -P 5 0 4M' -c 'write -z 2M 64k' b.qcow2 >/dev/null
qemu-img create -q -f qcow2 -b b.qcow2 -F qcow2 t.qcow2
qemu-io -c 'write -P 6 64k 4k' -c 'write -z -u 1M 64k' t.qcow2 >/dev/null
$QIO -C -c 'read -P 5 0 4k' -c 'read -P 6 64k 4k' -c 'read -P 5 68k 60k' -c 'read -P 0 1M 128k' -c 'read -P 0 2M 64k' -c 'read -P 5 3M 100' -c 'read 0 0' -c 'map' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; sha256sum t.qcow2
$QIO -C -r t.qcow2
printf '[inject-error]\nevent = "cor_write"\nsector = "6272"\n' > b.cfg
$QIO -c 'open -C -o driver=blkdebug,config=b.cfg,image.driver=qcow2 t.qcow2' -c 'read -P 5 3M 256k' -c 'read -P 5 3136k 64k' -c 'map'
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2
# a partial last cluster
qemu-img create -q -f qcow2 -o compat=1.1 u.qcow2 1024
$QIO -C -c 'read 0 1024' -c map u.qcow2
qemu-img check u.qcow2; sha256sum u.qcow2
