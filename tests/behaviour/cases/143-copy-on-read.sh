# copy-on-read (-C): refused on a read-only image; a read first asks block status (blkdebug block-status rules fail it), and reads serialise with requests in flight over the same bytes; a copy-on-read node cannot be made read-only
mkimg 1M
$QIO -C -r -f raw -c 'read 0 512' img
echo "exit=$?"
$QIO -c 'open -C -r -o driver=raw img' -c 'read 0 512' -c 'open -C -o driver=raw,read-only=on img' -c 'open -C -o driver=raw,file.filename=img,file.read-only=on' -c 'read 0 512'
echo "exit=$?"
$QIO -C -f raw -c 'read 0 512' -c 'reopen -r' -c 'reopen -o read-only=on' -c 'reopen -o file.read-only=on' -c 'reopen -w' img
echo "exit=$?"
$QIO -c 'open -C -o driver=raw,node-name=top,file.filename=img' -c 'reopen -r' -c 'open -C -o driver=file,filename=img' -c 'reopen -r'
echo "exit=$?"
printf '[inject-error]\nevent = "none"\niotype = "block-status"\nerrno = "5"\n' > bs.cfg
printf '[inject-error]\nevent = "none"\niotype = "block-status"\nerrno = "5"\nsector = "8"\n' > bs8.cfg
$QIO -c "open -C -o driver=raw,file.driver=blkdebug,file.config=bs.cfg,file.image.filename=img" -c 'read 0 512' -c 'aio_read 0 512' -c 'aio_flush' -c 'write -q 0 512' -c 'readv 0 512 512'
echo "exit=$?"
$QIO -c "open -o driver=raw,file.driver=blkdebug,file.config=bs.cfg,file.image.filename=img" -c 'read -q 0 512'
echo "exit=$?"
$QIO -c "open -C -o driver=raw,file.driver=blkdebug,file.config=bs8.cfg,file.image.filename=img" -c 'read 0 512' -c 'read 0 8k' -c 'read 4k 1'
echo "exit=$?"
for C in -C ''; do
  $QIO -c "open $C -t writeback -o driver=raw,file.driver=blkdebug,file.image.filename=img" -c 'break write_aio A' -c 'aio_write -P 1 0 512' -c 'wait_break A' -c 'aio_read -P 1 0 512' -c 'sleep 50' -c 'resume A' -c 'aio_flush'
  $QIO -c "open $C -t writeback -o driver=raw,file.driver=blkdebug,file.image.filename=img" -c 'break read_aio A' -c 'aio_read -P 1 0 512' -c 'wait_break A' -c 'aio_write -P 2 0 512' -c 'sleep 50' -c 'resume A' -c 'aio_flush'
  echo "[$C] exit=$?"
done
