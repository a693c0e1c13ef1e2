# size parsing corners: bare dot, dot before suffix, plus sign, hex with suffix (deprecated), hex fraction, B suffix, huge values
mkimg 64k
$QIO -f raw -c 'read 1.k 512' -c 'read 1. 512' -c 'read 0x 512' -c 'read +5 512' -c 'read 0x1k 512' -c 'read 0x1.5 512' -c 'read 0.1k 1' -c 'alloc 0.1k' -c 'alloc 1.5e 1' -c 'read 0xffffffffffffffff 1' -c 'read 8E 1' -c 'read 7.99999999E 1' -c 'read 1B 1' -c 'read 1kk 1' -c 'read "" 1' -c 'alloc 0 4T' -c 'alloc 9223372036854775807' img
echo "exit=$?"
