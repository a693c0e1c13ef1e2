# Torn writes: only a prefix is written, sector by sector (512 bytes from
# the request's start, on sector boundaries), and the write reports the
# rule's errno (5 by default) or success (errno=0).  Without "sectors" the
# prefix is random: for --seed 4, model.py says how many bytes of each
# write land.  An unaligned write tears on sector boundaries: 256k+100,
# 1000 bytes, with sectors=1 keeps the 412 bytes up to 256k+512.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --log-faults -c "$BD" -c 'rule add torn-write sectors=2' -c 'write -P 1 0 4k' \
  -c 'rule del 1' -c 'read -P 1 0 1k' -c 'read -P 0 1k 3k'
echo "exit=$?"
$QIO --log-faults -c "$BD" -c 'rule add torn-write sectors=1 errno=0' -c 'write -P 2 262244 1000' \
  -c 'rule del 1' -c 'read -P 2 262244 412' -c 'read -P 0 262656 588'
echo "exit=$?"
$QIO --seed 4 --log-faults -c "$BD" -c 'rule add torn-write errno=0' -c 'write -q 64k 4k' \
  -c 'write -q 128k 4k' -c 'write -q 200000 3000' | grep -o 'after [0-9]* bytes' | cut -d' ' -f2 \
  | tr '\n' ' ' > got.txt
echo >> got.txt
$MODEL torn 4 1 65536+4096 131072+4096 200000+3000 > want.txt
echo "random prefixes: blkmon $(cat got.txt)model $(cat want.txt)"
rm -f got.txt want.txt
