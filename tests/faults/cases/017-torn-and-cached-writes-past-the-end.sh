# Torn writes and a write cache where a write ends past the end of the
# file.  A node grows by what was written to it and succeeded: the file
# by the torn prefix that reached it, the blkdebug node above it by the
# whole write when the tear reports success; the file's size on disk is
# what the runs below print.
# Run 1: a raw image over blkdebug on a 1000-byte file (the image counts
# 1 KiB, whole sectors); a write of the whole 1 KiB torn after one sector,
# reporting success: the file stays 1000 bytes, the rest reads as zeroes,
# the image still counts 1 KiB.  Run 2: a write to the last bytes of the
# image grows the file to 1024.  Run 3: the same tear reporting EIO.
# Run 4: qcow2 over blkdebug: the data cluster allocated past the file's
# end (at 384 KiB) is torn after one sector and reported written: the
# file ends one sector into that cluster, the cluster reads back its
# first sector and then zeroes, and the next allocation (a full
# preallocation) goes after the whole cluster, so qemu-img check finds
# the image consistent and the file ends at its image end offset.
# Run 5: the same tear reporting EIO: the write fails, the cluster is
# given back and the next write takes it.
# Run 6: a write cache between qcow2 and its file: the data waits in the
# cache, reads back from it, and the flush writes it to the file.  Run 7:
# an allocating write cut off by a power cut before any flush: its data
# cluster never reaches the file, which keeps its size; the metadata
# qcow2 writes at close then points past the end (qemu-img check says so).
size() { echo "file: $(stat -c %s "$1") bytes"; }
truncate -s 1000 odd
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=odd'
$QIO --log-faults -c "$BD" -c 'rule add torn-write sectors=1 errno=0 once=on' -c 'write -P 1 0 1k' \
  -c length -c 'read -P 1 0 512' -c 'read -P 0 512 512'
echo "run 1 exit=$?"; size odd
$QIO -f raw -c 'write -P 2 1000 24' -c length -c 'read -P 0 512 488' odd
echo "run 2 exit=$?"; size odd
rm -f odd; truncate -s 1000 odd
$QIO --log-faults -c "$BD" -c 'rule add torn-write sectors=1 once=on' -c 'write -P 1 0 1k' \
  -c length -c 'read -P 1 0 512' -c 'read -P 0 512 512'
echo "run 3 exit=$?"; size odd
J='json:{"driver":"qcow2","file":{"driver":"blkdebug","image":{"driver":"file","filename":"t.qcow2"}}}'
qemu-img create -q -f qcow2 t.qcow2 1M
qemu-io -c 'write -P 1 0 64k' t.qcow2 > /dev/null; size t.qcow2
$QIO --log-faults -c 'rule add torn-write sectors=1 errno=0 start=384k once=on' -c 'write -P 2 64k 64k' \
  -c 'read -P 2 64k 512' -c 'read -P 0 66048 65024' -c 'truncate -m full 2M' -c map -c length "$J"
echo "run 4 exit=$?"; size t.qcow2
qemu-img check t.qcow2; qemu-img map --output=json t.qcow2
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
qemu-io -c 'write -P 1 0 64k' t.qcow2 > /dev/null
$QIO --log-faults -c 'rule add torn-write sectors=1 start=384k once=on' -c 'write -P 2 64k 64k' \
  -c 'write -P 3 64k 64k' -c 'read -P 3 64k 64k' -c map "$J"
echo "run 5 exit=$?"; size t.qcow2
qemu-img check t.qcow2; qemu-img map --output=json t.qcow2
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
$QIO -t writeback -c 'rule add write-cache' -c 'write -P 1 0 64k' -c 'write -P 2 960k 64k' -c 'read -P 2 960k 64k' \
  -c map -c flush "$J"
echo "run 6 exit=$?"; size t.qcow2
qemu-img check t.qcow2; qemu-img map --output=json t.qcow2
$QIO -t writeback -c 'rule add write-cache' -c 'write -P 4 512k 64k' -c 'read -P 4 512k 64k' -c powercut -c 'read -P 0 512k 64k' "$J"
echo "run 7 exit=$?"; size t.qcow2
qemu-img check t.qcow2
