# several aio requests in flight: completions are reported by aio_flush, by a later sync command, and at exit
mkimg 1M
$QIO -f raw -c 'aio_write -P 1 0 4k' -c 'aio_flush' -c 'aio_write -q -P 2 4k 4k' -c 'aio_read -q -P 1 0 4k' -c 'aio_flush' -c 'aio_write -C -P 3 64k 512' img
echo "exit=$?"
$QIO -f raw -c 'read -P 3 64k 512' -c 'read -P 2 4k 4k' img
echo "exit=$?"
