# command edges: sleep 0 and huge sleeps return at once, more than 1024 vectors, signals qemu-io blocks, truncate from an empty file, compressed writes past the end, the largest length, falloc refused, oversized numbers with suffixes, abbreviated long options
mkimg 64k
$QIO -f raw -c 'sleep 0' -c 'sleep 9223372036854775807' -c length img; echo "exit=$?"
V=$(for i in $(seq 1025); do printf '1 '; done)
$QIO -f raw -c "readv 0 $V" -c "writev -P 5 0 $V" -c "aio_write -P 5 0 $V" -c aio_flush img; echo "exit=$?"
$QIO -f raw -c 'sigraise 10' -c 'sigraise 14' -c 'sigraise 29' -c length img; echo "exit=$?"
truncate -s 0 empty; $QIO -f raw -c 'truncate 100' -c length empty; echo "exit=$?"
truncate -s 0 empty2; $QIO -f raw -c 'truncate 64k' empty2; echo "exit=$?"
$QIO -f raw -c 'truncate 0' -c 'truncate 1' -c length empty2; echo "exit=$?"
$QIO -f raw -c 'write -c 64k 512' -c 'write -c 0 128k' -c 'write -c 0 512' img; echo "exit=$?"
$QIO -f raw -c 'truncate 9223372035781033985' -c 'truncate -m metadata 8E' -c 'truncate -m falloc 17T' -c length img; echo "exit=$?"
$QIO -f raw -c 'alloc 99999999999999999999k' -c 'alloc 0x10000000000000000k' -c 'alloc 18446744073709551616' img; echo "exit=$?"
$QIO --t x -f raw -c length img; echo "exit=$?"
$QIO --ca=none -f raw -c length img; echo "exit=$?"
