# Time windows, as dm-flakey's up and down intervals: a rule with up=400ms
# down=60s acts only after its first 400 ms (a read at once passes, one
# after sleeping 800 ms fails).  State, as in blkdebug, works for every
# group: a delay with state=2 waits for the set-state rule that the first
# write fires; conditions work on set-state too (only a write touching
# 64k.. moves the state).  That write is delayed itself: write_aio fires
# before the write reaches blkdebug's check, as in QEMU; so is the flush
# that writethrough adds after it.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --log-faults -c "$BD" -c 'rule add inject-error event=read_aio up=400ms down=60s' \
  -c 'read -q 0 512' -c 'sleep 800' -c 'read -q 0 512'
echo "exit=$?"
$QIO --log-faults -c "$BD" -c 'rule add set-state event=write_aio new_state=2 start=64k' \
  -c 'rule add delay state=2 latency=1ms' -c 'read -q 0 512' -c 'write -q 0 512' \
  -c 'read -q 0 512' -c 'write -q 64k 512' -c 'state' -c 'read -q 0 512' -c 'rules'
echo "exit=$?"
