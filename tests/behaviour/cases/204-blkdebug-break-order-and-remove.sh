# several breakpoints on one event stop one request once each, newest first; remove_break resumes what it parked
mkimg 1M
O='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO -c "$O" -c 'break write_aio A' -c 'break write_aio B' -c 'aio_write -P 7 0 512' -c 'wait_break A' -c 'resume A' -c 'resume B' -c 'resume B' -c 'aio_flush' -c 'read -P 7 0 512'
echo "exit=$?"
$QIO -c "$O" -c 'break pwritev P' -c 'aio_write -q -P 8 4k 512' -c 'wait_break P' -c 'remove_break P' -c 'remove_break P' -c 'aio_flush' -c 'read -P 8 4k 512'
echo "exit=$?"
$QIO -c "$O" -c 'break read_aio R' -c 'break read_aio R' -c 'aio_read 0 512' -c 'wait_break R' -c 'resume R' -c 'resume R' -c 'aio_flush'
echo "exit=$?"
$QIO -c "$O" -c 'break pwritev_done D' -c 'break flush_to_os F' -c 'aio_write -q -P 9 0 512' -c 'wait_break D' -c 'resume D' -c 'wait_break F' -c 'resume F' -c 'aio_flush' -c 'read -P 9 0 512'
echo "exit=$?"
