# writethrough: the write's own flush goes through blkdebug's FLUSH check and fails the write; writeback writes pass, explicit flushes fail
mkimg 1M
printf '[inject-error]\nevent = "none"\niotype = "flush"\nerrno = "28"\n' > fl.cfg
$QIO -f raw -c 'write -P 1 0 512' -c 'aio_write -P 2 512 512' -c 'aio_flush' -c 'write -z 4k 4k' -c 'flush' blkdebug:fl.cfg:img
echo "writethrough exit=$?"
$QIO -f raw -t writeback -c 'write -P 3 0 512' -c 'flush' -c 'write -f -P 4 0 512' blkdebug:fl.cfg:img
echo "writeback exit=$?"
$QIO -f raw -t writeback -c 'flush' -c 'discard 0 4k' -c 'flush' blkdebug:fl.cfg:img
echo "discard exit=$?"
$QIO -f raw -t unsafe -c 'write -f -P 5 0 512' -c 'flush' blkdebug:fl.cfg:img
echo "unsafe exit=$?"
$QIO -c 'open -o driver=blkdebug,config=fl.cfg,image.filename=img' -c 'write -P 6 0 512' -c 'flush'
echo "direct exit=$?"
$QIO -f raw -c 'read -v 0 16' -c 'read -v 512 16' img
