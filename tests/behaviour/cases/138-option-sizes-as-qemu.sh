# size options are read as qemu_strtosz reads them: no octal, '-' refused anywhere, 64-bit range, a fraction rounding up to 1.0 dropped (found by fuzz_number)
mkimg 1M
for v in 01000 0777 '+512' '+-512' 99999999999999999999 99999999999999999999k 18446744073709551615 18446744073709551616 16E 15.9999999999E 1.5k 1.9999999999999999999k 0x400 0x.5k 1.k; do
  $QIO -c "open -o driver=raw,offset=$v,file.filename=img" -c length
  echo "offset=[$v] exit=$?"
done
