# vectored I/O: unaligned lengths, too large vectors, parse errors in lengths, zero lengths
mkimg 64k
$QIO -f raw -c 'writev -P 9 0 1 2 3' -c 'readv -P 9 0 1 2 3' -c 'readv 0 1G 1G' -c 'readv 0 3G' -c 'writev 0 1 x' -c 'readv 0 0' -c 'writev -x 0 1' -c 'readv -P 256 0 1' -c 'readv 0' img
echo "exit=$?"
