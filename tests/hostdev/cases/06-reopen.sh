# Reopening a block device: read-only and back, O_DIRECT on and off, a
# window over it.
#@ loop 2M
$QIO -f raw $LOOP -c 'write -P 5 0 4k' -c 'reopen -r' -c 'write 0 512' \
  -c 'reopen -w' -c 'write -P 6 4k 4k' -c 'reopen -c none' \
  -c 'read -P 6 4k 4k' -c 'write -P 7 100 100' -c 'reopen -c writeback' \
  -c 'read -P 7 100 100' -c 'reopen -o offset=1M' -c length \
  -c 'read -P 0 0 4k' -c 'reopen -o offset=0,size=4096' -c length \
  -c 'read -P 5 0 100'
echo "exit $?"
