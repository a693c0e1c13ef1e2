# blkverify: reads go to the test image and the raw reference and are compared; writes go to both; a difference in data or result prints qemu's blkverify line and exits 1 at once; the test image's format is guessed (its own warning); a truncate reaches only the reference; names and options, and their errors
mk() {
  rm -f r.raw t.raw
  qemu-img create -q -f raw r.raw 1M; qemu-img create -q -f raw t.raw 1M
  qemu-io -f raw -c 'write -P 1 0 64k' r.raw >/dev/null
  qemu-io -f raw -c 'write -P 1 0 64k' -c 'write -P 2 4096 512' t.raw >/dev/null
}
mk
$QIO -c 'read -P 1 0 4k' -c 'read 4k 4k' -c 'read -P 1 8k 4k' blkverify:r.raw:t.raw
echo "exit=$?"
$QIO -f raw -c 'aio_read 4k 4k' -c 'aio_flush' -c 'read 0 4k' blkverify:r.raw:t.raw
echo "exit=$?"
$QIO -c 'write -P 3 0 8k' -c 'read -P 3 0 8k' -c info -c map -c 'aio_read 0 4k' -c 'aio_flush' -c 'discard 0 4k' -c 'truncate 2M' -c length -c 'write -P 4 1M 4k' -c 'write -P 4 1000 10' -c 'read -P 4 1000 10' -c flush -c 'alloc 0 1M' blkverify:r.raw:t.raw
echo "exit=$?"
$QIO -c 'read 0 4k' blkverify:r.raw
$QIO -c 'read 0 4k' --image-opts driver=blkverify,raw.filename=r.raw,test.filename=t.raw
$QIO -c 'read -P 4 1000 10' --image-opts driver=blkverify,raw.filename=r.raw,test.driver=raw,test.file.filename=t.raw
$QIO -c 'read -P 4 1000 10' --image-opts driver=blkverify,x-raw=r.raw,x-image=t.raw
$QIO -c 'read 0 4k' --image-opts driver=blkverify,raw.filename=r.raw
$QIO -c 'read 0 4k' --image-opts driver=blkverify,test.filename=r.raw
$QIO -c 'read 0 4k' -f blkverify blkverify:r.raw:t.raw
$QIO -c 'read 0 4k' --image-opts driver=blkverify,raw.filename=r.raw,test.driver=file,test.filename=t.raw,foo=1
echo "exit=$?"
# the reference is shorter: it reads zeroes past its end
qemu-img create -q -f raw s.raw 512k
$QIO -c 'read 600k 4k' -c length -c 'read 0 4k' --image-opts driver=blkverify,raw.filename=s.raw,test.filename=t.raw,test.driver=file
echo "exit=$?"
# the results differ: an error injected in the test image
mk
printf '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "8"\n' > b.cfg
$QIO -c 'read -P 1 0 4k' -c 'read 4k 4k' --image-opts driver=blkverify,raw.filename=r.raw,test.driver=raw,test.file.driver=blkdebug,test.file.config=b.cfg,test.file.image.filename=t.raw
echo "exit=$?"
printf '[inject-error]\nevent = "write_aio"\nerrno = "28"\n' > b.cfg
$QIO -c 'write -P 9 0 4k' -c 'read 0 4k' --image-opts driver=blkverify,raw.filename=r.raw,test.driver=raw,test.file.driver=blkdebug,test.file.config=b.cfg,test.file.image.filename=t.raw
echo "exit=$?"
