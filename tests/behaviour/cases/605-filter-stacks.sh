# filters in stacks: json: names for quorum, copy-on-read, throttle and blkverify; a blkdebug breakpoint reached through copy-on-read (raw raises read_aio at blkdebug below the filter)
qemu-img create -q -f raw q1.raw 1M; qemu-img create -q -f raw q2.raw 1M; qemu-img create -q -f raw z.raw 1M
T() { $QIO "$@"; echo "exit=$?"; }
T -c 'write -P 1 0 4k' -c 'read -P 1 0 4k' 'json:{"driver":"quorum","vote-threshold":2,"children":[{"driver":"raw","file":{"driver":"file","filename":"q1.raw"}},{"driver":"raw","file":{"driver":"file","filename":"q2.raw"}}]}'
T -c 'break read_aio A' -c 'aio_read 0 4k' -c 'wait_break A' -c 'resume A' -c aio_flush --image-opts driver=copy-on-read,file.driver=raw,file.file.driver=blkdebug,file.file.image.filename=z.raw
T -c 'read 0 4k' -c 'write 0 4k' --image-opts driver=copy-on-read,file.driver=raw,file.file.filename=z.raw
T -c 'read 0 4k' 'json:{"driver":"copy-on-read","file":{"driver":"raw","file":{"filename":"z.raw"}}}'
T -c 'read 0 4k' 'json:{"driver":"throttle","file":{"driver":"raw","file":{"filename":"z.raw"}}}'
T -c 'read 0 4k' 'json:{"driver":"blkverify","raw":{"driver":"file","filename":"q1.raw"},"test":{"driver":"raw","file":{"filename":"q2.raw"}}}'
