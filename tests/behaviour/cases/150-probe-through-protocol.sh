# The format is probed through the protocol node, as qemu probes it: a blkdebug rule armed at open fails the probe read; without one, raw is guessed through blkdebug (with the warning); problems of the file are found before the format's own options
mkimg 64k
printf '[inject-error]\nevent = "none"\nerrno = "5"\n' > rd.cfg
printf '[inject-error]\nevent = "none"\nerrno = "5"\niotype = "write"\n' > wr.cfg
$QIO -c 'read 0 512' blkdebug:rd.cfg:img; echo "exit=$?"
$QIO -c 'write -P 7 0 512' -c 'read -P 7 0 512' blkdebug:wr.cfg:img; echo "exit=$?"
$QIO -r -c 'read 0 512' blkdebug:wr.cfg:img; echo "exit=$?"
$QIO -c 'open -o offset=1M nosuch' ; echo "exit=$?"
$QIO -c 'open -o offset=1M,file.bogus=1 img' ; echo "exit=$?"
$QIO -c 'open -o bogus=1 blkdebug:rd.cfg:img' ; echo "exit=$?"
$QIO -c 'open -o driver=raw blkdebug:rd.cfg:img' -c 'read 0 512'; echo "exit=$?"
