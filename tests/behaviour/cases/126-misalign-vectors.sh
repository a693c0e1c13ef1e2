# -m misaligns every buffer: vectored and aio I/O with odd lengths keep the data intact, also with O_DIRECT
mkimg 64k
$QIO -f raw -m -c 'writev -P 0x61 1 3 5 7' -c 'readv -v 0 17' -c 'aio_write -P 0x62 1k 511 1' -c 'aio_flush' -c 'aio_read -P 0x62 1k 512' -c 'aio_flush' img
echo "exit=$?"
$QIO -f raw -m -t none -c 'readv -P 0x61 1 15' -c 'write -z 1 15' -c 'read -v 0 17' img
echo "exit=$?"
