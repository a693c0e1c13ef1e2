# qcow2 with an internal snapshot (qemu-img snapshot -c): writes copy shared clusters and L2 tables (COPIED flag), the snapshot table stays intact
qemu-img create -q -f qcow2 t.qcow2 16M
qemu-io -c 'write -P 1 0 256k' -c 'write -P 2 8M 64k' t.qcow2 >/dev/null
qemu-img snapshot -c snap1 t.qcow2
# the snapshot's date (bytes 16-23 of its entry) is the clock's: make it fixed
so=$(od -An -tu8 --endian=big -j64 -N8 t.qcow2 | tr -d ' ')
dd if=/dev/zero of=t.qcow2 bs=1 seek=$((so + 16)) count=8 conv=notrunc status=none
$QIO -c 'write -P 3 4k 4k' -c 'write -P 4 64k 64k' -c 'write -z 128k 64k' -c 'discard 192k 64k' -c 'write -P 5 8M 4k' -c 'read -P 1 0 4k' -c 'read -P 3 4k 4k' -c 'read -P 1 8k 56k' -c 'read -P 4 64k 64k' -c 'read -P 0 128k 128k' -c 'read -P 5 8M 4k' -c 'read -P 2 8196k 60k' -c map t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img snapshot -l t.qcow2
qemu-img map --output=json t.qcow2
qemu-img snapshot -a snap1 t.qcow2
qemu-io -c 'read -P 1 0 256k' -c 'read -P 2 8M 64k' t.qcow2
