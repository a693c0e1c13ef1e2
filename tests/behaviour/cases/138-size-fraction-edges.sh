# sizes at the edges of qemu's fraction handling: a fraction that rounds to 1.0 is dropped, a fraction strtod cannot hold skips the next character, leftover text beats "too large"
mkimg 64k
Z=$(printf '0%.0s' $(seq 340))
$QIO -f raw -c 'read 0.99999999999999999k 0' -c 'read 1.99999999999999999k 0' -c 'read 1.9999999999999999k 0' \
  -c 'read 0.99999999999999999 0' -c 'read 0 0.99999999999999999b' -c 'read 0.9999999999999999k 0' \
  -c 'read 1.5e999k 0' -c 'read 1.5e-999k 0' -c 'read 1.5e3k 0' -c "read 1.${Z}1k 0" -c "read 1.${Z}1kk 0" -c "read 1.${Z}1xk 0" \
  -c 'read 20000000000E 0' -c 'read 20000000000Ek 0' -c 'read 18446744073709551616k 0' -c 'read 0x1.8k 0' img
echo "exit=$?"
