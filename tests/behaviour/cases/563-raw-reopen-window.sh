# raw's offset and size change on reopen, as qemu allows (iotest 171's
# sequence, then the checks and what later reopens keep).
truncate -s 4096 img
J='json:{"driver":"raw", "offset":"512", "size":"512", "file": {"driver":"file", "filename":"img"}}'
$QIO "$J" -c 'write -P 0x0a 0 512' -c 'write -P 0x0a 511 1' \
  -c 'write -P 0x0a 512 1' -c 'reopen -o driver=raw,offset=1536,size=1024' \
  -c 'write -P 0x0a 0 1024' -c 'write -P 0x0a 1023 1' -c 'write -P 0x0a 1024 1' \
  -c length -c 'reopen -o offset=0,size=5000' -c 'reopen -o offset=4000' \
  -c length -c 'reopen -o size=1024' -c length -c 'reopen -o offset=5000' \
  -c 'reopen -o size=1000' -c 'reopen -o offset=100' -c length \
  -c 'reopen -r -o offset=0' -c length -c 'read -P 0x0a 1536 1024' \
  -c 'reopen -o file.offset=3' -c 'reopen -o offset=abc' -c length
echo "exit $?"
$QIO -f raw img -c 'reopen -o offset=1024' -c length -c 'write -P 7 0 512' \
  -c 'reopen -o size=512' -c length -c 'truncate 1024' -c 'reopen -o offset=0' \
  -c length
echo "exit $?"
$QIO -r -f raw img -c 'read -v 510 4' -c 'read -v 1022 4' -c 'read -v 1534 4' \
  -c 'read -v 2558 4'
