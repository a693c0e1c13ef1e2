# overlapping requests under align=4k (qemu-iotests 077's scenarios): a request never waits for one that is itself waiting, waiters go on in the order they came, and a waiter re-checks against requests that started after it
#@ timeout 40
mkimg 1M
# writeback: no flush after each write, so no completion races another
O='open -t writeback -o driver=raw,file.align=4k blkdebug::img'
$QIO <<EOF
$O
break pwritev_rmw_after_tail A
aio_write -P 10 0x5000 0x200
wait_break A
aio_write -P 11 0x5200 0x200
aio_write -P 12 0x5400 0x200
aio_write -P 13 0x5600 0x200
aio_write -P 14 0x5800 0x200
sleep 50
resume A
aio_flush
break pwritev_rmw_after_tail A
aio_write -P 10 0x6000 0x200
wait_break A
break pwritev_rmw_after_head B
aio_write -P 10 0x7e00 0x200
wait_break B
aio_write -P 11 0x6800 0x1000
resume A
sleep 50
resume B
aio_flush
break pwritev_rmw_after_tail A
aio_write -P 10 0xa000 0x200
wait_break A
aio_write -P 11 0xa800 0x1000
break pwritev_rmw_after_head B
aio_write -P 10 0xbe00 0x200
wait_break B
resume A
sleep 50
resume B
aio_flush
break pwritev_rmw_after_tail A
aio_write -P 10 0xc000 0x200
wait_break A
aio_write -P 11 0xc800 0x1000
break pwritev_rmw_after_head B
aio_write -P 10 0xde00 0x200
wait_break B
resume B
sleep 50
resume A
aio_flush
break pwritev_rmw_after_tail A
aio_write -P 10 0x10000 0x200
wait_break A
aio_read -P 0 0x10800 0x200
aio_write -P 11 0x10400 0x200
sleep 50
resume A
aio_flush
break pwritev A
aio_write -P 10 0x11000 0x800
wait_break A
aio_write -P 11 0x11000 0x1000
sleep 50
resume A
aio_flush
EOF
echo "exit=$?"
$QIO -f raw -c 'read -P 10 0x5000 0x200' -c 'read -P 11 0x5200 0x200' -c 'read -P 14 0x5800 0x200' -c 'read -P 0 0x5a00 0x600' \
  -c 'read -P 10 0x6000 0x200' -c 'read -P 0 0x6200 0x600' -c 'read -P 11 0x6800 0x1000' -c 'read -P 0 0x7800 0x600' -c 'read -P 10 0x7e00 0x200' \
  -c 'read -P 10 0xa000 0x200' -c 'read -P 11 0xa800 0x1000' -c 'read -P 10 0xbe00 0x200' \
  -c 'read -P 10 0xc000 0x200' -c 'read -P 11 0xc800 0x1000' -c 'read -P 10 0xde00 0x200' \
  -c 'read -P 10 0x10000 0x200' -c 'read -P 11 0x10400 0x200' -c 'read -P 11 0x11000 0x1000' img
echo "exit=$?"
