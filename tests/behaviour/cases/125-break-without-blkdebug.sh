# breakpoint commands on an image without blkdebug: each fails with ENOTSUP; arity and no-file checks come first
mkimg 64k
$QIO -f raw -c 'break read_aio A' -c 'break write_aio' -c 'remove_break A' -c 'resume A' -c 'resume' -c 'remove_break A B' -c 'read -q 0 512' img
echo "exit=$?"
$QIO -c 'break read_aio A' -c 'resume A' -c 'remove_break A' -c 'wait_break A'
echo "exit=$?"
