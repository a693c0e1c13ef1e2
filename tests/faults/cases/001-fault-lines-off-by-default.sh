# Every injected fault can be a line of output, but headless blkmon must
# print what qemu-io prints: the line is off by default (the first run
# prints only qemu-io's "read failed"), "rules log on" turns it on within a
# session, and --log-faults from the start.  No rule draws random numbers,
# so no seed is printed.  The line names the errno, the request as it
# reached blkdebug (offset+length) and the rule.
mkimg 1M
printf '[inject-error]\nevent = "read_aio"\nsector = "8"\n' > eio.cfg
$QIO -f raw -c 'read 0 4k' -c 'read 4k 4k' blkdebug:eio.cfg:img
echo "exit=$?"
$QIO -f raw -c 'rules log' -c 'read 4k 4k' -c 'rules log on' -c 'read 4k 4k' \
  -c 'rules log off' -c 'read 4k 4k' -c 'rules log maybe' blkdebug:eio.cfg:img
echo "exit=$?"
$QIO --log-faults -f raw -c 'read 4k 512' -c 'write 4k 4k' blkdebug:eio.cfg:img
echo "exit=$?"
