# blkdebug on qcow2: breakpoints park metadata I/O (cluster_alloc, refblock_load, write_aio; an armed l2_update removed before the exit flush), and a state machine moved by the L2 table write of the first allocation fails that write once with ENOSPC
#@ timeout 60
qemu-img create -q -f qcow2 t.qcow2 64M
o='driver=qcow2,file.driver=blkdebug,file.image.filename=t.qcow2'
$QIO -c "open -t writeback -o $o" -c 'break cluster_alloc A' -c 'aio_write -P 1 0 4k' -c 'wait_break A' -c 'break refblock_load B' -c 'resume A' -c 'wait_break B' -c 'resume B' -c 'aio_flush' -c 'break l2_update C' -c 'aio_write -P 2 64k 4k' -c 'aio_flush' -c 'break write_aio D' -c 'aio_write -P 3 128k 4k' -c 'wait_break D' -c 'read -P 1 0 4k' -c 'resume D' -c 'aio_flush' -c 'aio_write -P 4 192k 4k' -c 'aio_flush' -c 'aio_flush' -c 'read -P 3 128k 4k' -c 'remove_break C'
echo "exit=$?"
qemu-img check t.qcow2
cat > b.cfg <<'EOT'
[set-state]
event = "l2_update"
state = "1"
new_state = "2"

[inject-error]
event = "write_aio"
state = "2"
errno = "28"
once = "on"
EOT
rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 64M
$QIO -t writeback -c 'write -P 1 0 4k' -c 'flush' -c 'write -P 2 64k 4k' -c 'write -P 3 128k 4k' -c 'read -P 0 0 4k' -c 'read -P 2 64k 4k' -c 'read -P 3 128k 4k' blkdebug:b.cfg:t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
