# state machine steps, once consumes only the rule that injected, errno 0 shields later rules, negative errno fakes success
mkimg 1M
printf '[inject-error]\nevent = "read_aio"\nerrno = "2"\nonce = "on"\n\n[inject-error]\nevent = "read_aio"\nerrno = "3"\n' > two.cfg
$QIO -f raw -c 'read 0 512' -c 'read 0 512' -c 'read 0 512' blkdebug:two.cfg:img
echo "two exit=$?"
printf '[inject-error]\nevent = "read_aio"\nerrno = "0"\n\n[inject-error]\nevent = "read_aio"\nerrno = "5"\n' > zero.cfg
$QIO -f raw -c 'read 0 512' -c 'write 0 512' blkdebug:zero.cfg:img
echo "zero exit=$?"
printf '[inject-error]\nevent = "write_aio"\nerrno = "-5"\n' > neg.cfg
$QIO -f raw -t writeback -c 'write -P 1 0 512' -c 'read -P 0 0 512' blkdebug:neg.cfg:img
echo "neg exit=$?"
printf '[set-state]\nevent = "write_aio"\nstate = "1"\nnew_state = "2"\n\n[set-state]\nevent = "write_aio"\nstate = "2"\nnew_state = "3"\n\n[inject-error]\nevent = "flush_to_os"\nstate = "3"\nerrno = "28"\n' > sm.cfg
$QIO -f raw -t writeback -c 'write 0 512' -c 'flush' -c 'write 0 512' -c 'flush' -c 'write 0 512' -c 'flush' -c 'read 0 512' blkdebug:sm.cfg:img
echo "sm exit=$?"
