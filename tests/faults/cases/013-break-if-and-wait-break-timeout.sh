# Breakpoints with conditions: "break EVENT TAG if KEY=VALUE..." takes the
# rule language's conditions.  Only the write touching 4k..8k stops at A;
# with nth=2 only the second write stops at B.  Bad conditions are
# refused with their reason.  "wait_break TAG TIMEOUT_MS" gives up after
# the timeout with a message and a failing status; qemu-io's own forms and
# arity errors are unchanged.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO -c "$BD" -c 'break write_aio A if start=4k end=8k' -c 'aio_write -P 1 0 512' \
  -c 'aio_write -P 2 4k 512' -c 'wait_break A 2000' -c 'resume A' -c 'aio_flush' \
  -c 'break pwritev B if nth=2' -c 'write -q 0 512' -c 'aio_write -q 0 512' \
  -c 'wait_break B 2000' -c 'resume B' -c 'aio_flush' \
  -c 'break write_aio C if bogus=1' -c 'break write_aio C if iotype=nope' \
  -c 'break write_aio C if start' -c 'break write_aio C D'
echo "exit=$?"
$QIO -c "$BD" -c 'wait_break Z 100' -c 'wait_break Z 10x' -c 'wait_break Z 1 2'
echo "exit=$?"
