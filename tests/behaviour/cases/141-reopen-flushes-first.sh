# reopen flushes every node first: the flush events fire (set-state and inject rules see them) and a failed flush fails the reopen, even one whose options are refused next; a failed reopen leaves the image as it was
mkimg 1M
O='driver=raw,file.driver=blkdebug,file.image.filename=img'
printf '[inject-error]\nevent = "flush_to_disk"\nerrno = "5"\n' > disk.cfg
printf '[inject-error]\nevent = "flush_to_os"\nerrno = "28"\n' > os.cfg
printf '[inject-error]\nevent = "none"\niotype = "flush"\nerrno = "5"\nonce = "on"\n' > once.cfg
printf '[set-state]\nevent = "flush_to_os"\nnew_state = "2"\n[inject-error]\nevent = "read_aio"\nstate = "2"\nerrno = "5"\n' > os-state.cfg
printf '[set-state]\nevent = "flush_to_disk"\nnew_state = "2"\n[inject-error]\nevent = "read_aio"\nstate = "2"\nerrno = "5"\n' > disk-state.cfg
for c in disk os; do
  $QIO -c "open -t writeback -o $O,file.config=$c.cfg" -c 'write -q 0 512' -c 'reopen -r' -c 'reopen -w' -c 'reopen -c none' -c 'reopen -o foo=bar'
  echo "$c exit=$?"
done
$QIO -c "open -t writeback -o $O,file.config=once.cfg" -c 'write -q 0 512' -c 'reopen -r' -c 'write -q -P 3 0 512' -c 'reopen -r' -c 'write 0 512' -c 'read -q -P 3 0 512'
echo "once exit=$?"
for c in os-state disk-state; do
  $QIO -c "open -t writeback -o $O,file.config=$c.cfg" -c 'write -q 0 512' -c 'read -q 0 512' -c 'reopen -o foo=bar' -c 'read -q 0 512'
  echo "$c exit=$?"
  $QIO -r -c "open -r -o $O,file.config=$c.cfg" -c 'reopen' -c 'read -q 0 512'
  echo "$c read-only exit=$?"
done
