# read -P with -s/-l at the edges, readv/aio_read verification failures and the exit status they give
mkimg 64k
$QIO -f raw -c 'write -q -P 0x22 0 4k' -c 'read -P 0x22 -s 0 -l 4k 0 4k' -c 'read -P 0x22 -s 4k -l 0 0 4k' -c 'read -P 0 -s 4k 0 8k' -c 'read -P 0x22 -l 4097 0 4k' -c 'read -P 0x22 -s 1 -l 4095 0 4k' -c 'readv -P 0x22 0 2k 2k 1' -c 'aio_read -P 0x23 0 1k' -c 'aio_flush' img
echo "exit=$?"
