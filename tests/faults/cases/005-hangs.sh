# A device that hangs.  A hang rule parks matching requests under its tag,
# like a breakpoint with conditions: wait_break sees it, "rules" lists it,
# other I/O goes on meanwhile (the read below), resume lets it go on.
# With a timeout it fails by itself with the rule's errno (110: ETIMEDOUT),
# or goes on when errno is 0.  remove_break lets every request hung under
# a tag go; 200 hung writes at once hold no thread and all complete.  A
# request still hung at exit is let go, as blkmon resumes breakpoints.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --log-faults -c "$BD" -c 'rule add hang iotype=write start=64k tag=stuck' \
  -c 'aio_write -P 1 64k 4k' -c 'wait_break stuck 1000' -c 'rules' \
  -c 'write -P 2 0 4k' -c 'read -P 2 0 4k' -c 'resume stuck' -c 'aio_flush' \
  -c 'read -P 1 64k 4k'
echo "resume exit=$?"
$QIO --log-faults -c "$BD" -c 'rule add hang iotype=read timeout=100ms errno=110' \
  -c 'read 0 512' -c 'aio_read 0 512' -c 'aio_flush'
echo "timeout exit=$?"
$QIO --log-faults -c "$BD" -c 'rule add hang iotype=read timeout=50ms errno=0' \
  -c 'read 0 512'
echo "go on exit=$?"
args=(); for i in $(seq 200); do args+=(-c "aio_write -q -P 3 $((i * 4096)) 4k"); done
$QIO -c "$BD" -c 'rule add hang iotype=write tag=many' "${args[@]}" \
  -c 'rules' -c 'remove_break many' -c 'aio_flush' -c 'read -q -P 3 4k 800k' | sort | uniq -c
echo "many exit=$?"
$QIO -c "$BD" -c 'rule add hang iotype=write' -c 'aio_write -P 4 0 512' -c 'rules'
echo "exit with a hung write: exit=$?"
od -An -tx1 -N 4 img
