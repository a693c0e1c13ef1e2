# plain, -C and -q reports of read/write/readv/writev/discard at several sizes, and hex dumps that cross lines
mkimg 1M
$QIO -f raw -c 'write -P 0x30 0 100' -c 'write -C -P 0x7a 100 1000' -c 'w -q -P 0x41 2k 5' -c 'read -v 0 20' -c 'r -v 2046 9' -c 'read -C 0 4k' -c 'readv -C 0 512 512' -c 'writev -P 0x5f 4k 1k 3k' -c 'readv -v 4k 7 9' -c 'discard 512k 64k' -c 'd -C 600k 4k' -c 'read 0 1M' -c 'write 1000k 24k' img
echo "exit=$?"
