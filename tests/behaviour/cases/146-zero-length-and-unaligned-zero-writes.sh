# zero-length requests as the block layer takes them: unaligned ones do nothing (no blkdebug rule sees them), a zero write of no bytes does nothing (no FUA flush, no event), aligned plain ones go down (events, flush); ends of no-I/O aio requests come newest first; write -z not aligned to O_DIRECT or blkdebug align
mkimg 1M
printf '[inject-error]\nevent = "none"\niotype = "write"\nerrno = "5"\n' > w.cfg
printf '[inject-error]\nevent = "none"\niotype = "read"\nerrno = "5"\n' > r.cfg
printf '[inject-error]\nevent = "none"\niotype = "write-zeroes"\nerrno = "5"\n' > wz.cfg
for c in w r wz; do
  $QIO -c "open -o driver=raw,file.driver=blkdebug,file.config=$c.cfg,file.align=4096,file.image.filename=img" -c 'write 1 0' -c 'write 4096 0' -c 'write -z 0 0' -c 'write -z 1 0' -c 'read 1 0' -c 'read 0 0' -c 'writev 5 0' -c 'aio_write 7 0' -c 'aio_flush'
  echo "$c exit=$?"
done
$QIO -f raw -c 'aio_write -z 1 0' -c 'aio_write -u -z 3 0' -c 'aio_write -z -f 5 0' -c 'aio_write -z 8 0' -c 'aio_flush' img
echo "exit=$?"
O='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO -c "$O" -c 'break flush_to_os A' -c 'aio_write 0 0' -c 'wait_break A' -c 'resume A' -c 'aio_flush'
$QIO -c "$O" -c 'break flush_to_os A' -c 'aio_write -z 0 0' -c 'aio_flush' -c 'aio_write -P 3 0 512' -c 'wait_break A' -c 'resume A' -c 'aio_flush'
$QIO -c "$O" -c 'break pwritev A' -c 'aio_write 4k 0' -c 'wait_break A' -c 'resume A' -c 'aio_flush'
echo "exit=$?"
$QIO -f raw -n -c 'write -z 1 511' -c 'write -z 1023 3000' -c 'write -z -u 100 1000' -c 'write -P 5 3 5' -c 'write -z 1048575 1' -c 'read -P 0 0 4k' img
echo "exit=$?"
$QIO -c 'open -o driver=raw,file.driver=blkdebug,file.image.filename=img,file.align=4096' -c 'write -q -P 9 0 16k' -c 'write -z 100 1000' -c 'write -z 4095 2' -c 'write -z -u 1 12k' -c 'read -q -P 9 0 100' -c 'read -q -P 0 100 1000' -c 'read -q -P 9 1100 2995' -c 'read -q -P 0 4095 2'
echo "exit=$?"
