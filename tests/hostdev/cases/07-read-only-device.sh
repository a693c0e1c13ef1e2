# A block device set read-only (losetup -r, blockdev --setro) opens for
# reading only: writable opens and reopens fail in qemu's words.
#@ loop 1M 512 ro
$QIO -f raw $LOOP -c 'read 0 512'
echo "exit $?"
$QIO -r -f raw $LOOP -c 'read 0 512' -c 'reopen -w' -c 'write 0 512' -c 'read -P 0 0 512'
echo "exit $?"
$QIO -c "open -o driver=host_device,filename=$LOOP" -c 'open -r -o driver=host_device,filename='$LOOP -c info
echo "exit $?"
