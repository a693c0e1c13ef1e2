# quorum: three copies written together and read by vote (threshold 2); a bad copy is outvoted, two bad copies that differ fail the read with EIO, read-pattern=fifo reads the first good copy, rewrite-corrupted writes the winner back; an error injected in one child is outvoted, in two it is the read's error; blkverify mode is fatal on a difference; options and their errors
mk() { rm -f q?.raw; for i in 1 2 3; do qemu-img create -q -f raw q$i.raw 1M; done; }
mk
Q="driver=quorum,vote-threshold=2,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.filename=q2.raw,children.2.driver=raw,children.2.file.filename=q3.raw"
$QIO --image-opts "$Q" -c 'write -P 1 0 64k' -c 'map' -c 'write -z 64k 64k' -c 'read -P 0 64k 64k' -c 'aio_write -P 5 128k 4k' -c aio_flush -c 'discard 0 4k' -c 'truncate 2M' -c info -c length -c flush -c 'alloc 0 1M'
echo "exit=$?"
sha256sum q?.raw
qemu-io -f raw -c 'write -P 2 0 4k' q2.raw >/dev/null
$QIO --image-opts "$Q" -c 'read -P 1 0 4k' -c 'read -P 1 0 64k'
echo "exit=$?"
qemu-io -f raw -c 'write -P 3 0 4k' q3.raw >/dev/null
$QIO --image-opts "$Q" -c 'read -P 1 0 4k' -c 'read -P 1 4k 60k' -c 'aio_read 0 4k' -c aio_flush
echo "exit=$?"
$QIO --image-opts "$Q,vote-threshold=1" -c 'read -v 0 16'
$QIO --image-opts "$Q,vote-threshold=1,read-pattern=fifo" -c 'read -v 0 16'
$QIO --image-opts "$Q,vote-threshold=1,rewrite-corrupted=on" -c 'read -v 0 16'
sha256sum q?.raw
mk
$QIO --image-opts "$Q" -c 'write -P 1 0 64k' >/dev/null
qemu-io -f raw -c 'write -P 2 0 4k' q2.raw >/dev/null
$QIO --image-opts "$Q,rewrite-corrupted=on" -c 'read -P 1 0 8k'
sha256sum q?.raw
# errors in the children: one is outvoted, two fail the read with theirs
printf '[inject-error]\nevent = "read_aio"\nerrno = "28"\n' > b.cfg
E="driver=quorum,vote-threshold=2,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.driver=blkdebug,children.1.file.config=b.cfg,children.1.file.image.filename=q2.raw,children.2.driver=raw,children.2.file.filename=q3.raw"
$QIO --image-opts "$E" -c 'read -P 1 0 4k' -c 'write -P 7 0 4k' -c 'read -P 7 0 4k'
echo "exit=$?"
E2="driver=quorum,vote-threshold=2,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.driver=blkdebug,children.1.file.config=b.cfg,children.1.file.image.filename=q2.raw,children.2.driver=raw,children.2.file.driver=blkdebug,children.2.file.config=b.cfg,children.2.file.image.filename=q3.raw"
$QIO --image-opts "$E2" -c 'read 0 4k' -c 'read -P 7 0 4k' -c 'write -P 8 0 4k'
echo "exit=$?"
printf '[inject-error]\nevent = "write_aio"\nerrno = "5"\n' > w.cfg
W="driver=quorum,vote-threshold=2,children.0.driver=raw,children.0.file.driver=blkdebug,children.0.file.config=w.cfg,children.0.file.image.filename=q1.raw,children.1.driver=raw,children.1.file.driver=blkdebug,children.1.file.config=b.cfg,children.1.file.image.filename=q2.raw,children.2.driver=raw,children.2.file.filename=q3.raw"
$QIO --image-opts "$W" -c 'write -P 9 0 4k' -c flush
echo "exit=$?"
# blkverify mode
V="driver=quorum,vote-threshold=2,blkverify=on,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.filename=q2.raw"
qemu-io -f raw -c 'write -P 4 4k 4k' q1.raw -c 'write -P 4 4k 4k' q2.raw >/dev/null
$QIO --image-opts "$V" -c 'read -P 4 4k 4k' -c 'read 0 8k' -c 'read 0 4k'
echo "exit=$?"
$QIO --image-opts "$V,children.2.driver=raw,children.2.file.filename=q3.raw"
for o in "" "vote-threshold=0" "vote-threshold=2" "vote-threshold=x" "vote-threshold=1,read-pattern=x" "vote-threshold=1,blkverify=x" "vote-threshold=1,foo=bar" "vote-threshold=1,read-pattern=fifo,blkverify=on,rewrite-corrupted=on"; do
  $QIO --image-opts "driver=quorum${o:+,$o},children.0.driver=raw,children.0.file.filename=q1.raw" -c 'read 0 4k'
  echo "exit=$?"
done
$QIO --image-opts driver=quorum
$QIO --image-opts driver=quorum,vote-threshold=1,children.1.driver=raw,children.1.file.filename=q1.raw
$QIO --image-opts driver=quorum,vote-threshold=1,children.0=q1.raw
$QIO --image-opts driver=quorum,vote-threshold=1,children.0.file.filename=q1.raw -c 'read 0 4k'
$QIO --image-opts driver=quorum,vote-threshold=2,blkverify=on,rewrite-corrupted=on,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.filename=q2.raw
qemu-img create -q -f raw q4.raw 2M
$QIO --image-opts driver=quorum,vote-threshold=1,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.filename=q4.raw
echo "exit=$?"
