# requests that end exactly at the end, start at it, cross it; zero-length ones; discard and write -z past it
mkimg 8k
$QIO -f raw -c 'read 4k 4k' -c 'read 8k 0' -c 'read 8k 1' -c 'write 8191 1' -c 'write 8191 2' -c 'write -z 8k 0' -c 'write -z 4k 8k' -c 'discard 8k 0' -c 'discard 4k 8k' -c 'aio_read 7k 2k' -c 'aio_flush' -c 'readv 8k 0' -c 'alloc 8k' -c 'alloc 4k 8k' img
echo "exit=$?"
