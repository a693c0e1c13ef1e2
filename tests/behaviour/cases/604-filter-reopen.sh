# reopen over the filters: copy-on-read, blkverify and quorum cannot be reopened (qemu's words, naming the node), whatever the change; throttle can
qemu-img create -q -f raw r.raw 1M; qemu-img create -q -f raw t.raw 1M; qemu-img create -q -f raw z.raw 1M; qemu-img create -q -f raw q1.raw 1M; qemu-img create -q -f raw q2.raw 1M
qemu-img create -q -f raw b.raw 1M; qemu-img create -q -f qcow2 -b b.raw -F raw w.qcow2
T() { $QIO "$@"; echo "exit=$?"; }
T -c 'reopen -r' -c 'write 0 4k' -c 'reopen -w' -c 'write 0 4k' -c 'reopen -c none' -c 'read 0 4k' blkverify:r.raw:t.raw
T --object throttle-group,id=tg -c 'open -o driver=throttle,throttle-group=tg,file.filename=z.raw' -c 'reopen -r' -c 'write 0 4k' -c 'reopen -w' -c 'write 0 4k' -c 'reopen -o throttle-group=tg' -c 'reopen -o file.cache.direct=on' -c 'read 0 4k'
T -c 'open -o driver=copy-on-read,file.driver=qcow2 w.qcow2' -c 'reopen -r' -c 'read 0 4k' -c 'reopen -w' -c 'read 0 4k' -c map
T --image-opts driver=quorum,vote-threshold=1,children.0.driver=raw,children.0.file.filename=q1.raw,children.1.driver=raw,children.1.file.filename=q2.raw -c 'reopen -r' -c 'write 0 4k' -c 'reopen -w' -c 'write 0 4k' -c 'reopen -o vote-threshold=2' -c 'read 0 4k'
T -C -c 'open -o driver=copy-on-read,file.driver=qcow2 w.qcow2' -c 'read 0 4k'
T -c 'open -C -o driver=copy-on-read,file.driver=qcow2 w.qcow2' -c 'read 0 4k' -c map
