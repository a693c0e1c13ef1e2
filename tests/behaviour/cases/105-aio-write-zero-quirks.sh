# aio_write -z takes one length and no size limit; -P is silently ignored with -z; -i stops parsing at once
#@ skip-map
mkimg 64k
$QIO -f raw -c 'write -q -P 0x55 0 8k' -c 'aio_write -z 0 1 2' -c 'aio_write -z -P 1 0 1k' -c 'aio_flush' -c 'read -P 0 0 1k' -c 'aio_write -z 0 3G' -c 'aio_flush' -c 'aio_write -i -x 0 1' -c 'aio_read -i 0' -c 'aio_write -z -C 4k 512' -c 'aio_flush' img
echo "exit=$?"
