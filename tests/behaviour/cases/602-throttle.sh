# the throttle filter with --object throttle-group: qemu's limit names (x- and limits.), their checks and words; reads and writes held to the group's rate (12 reads at 10 IOPS take about a second, timed here); zero writes and discards count as writes; the group must exist
mkimg 16M z.raw
tg() { $QIO --object throttle-group,id=tg,"$1" -c quit; echo "exit=$?"; }
for o in x-foo=1 x-iops-total=-1 x-iops-total=abc x-bps-total=1k x-iops-total-max=5 x-iops-total=10,x-iops-read=5 x-bps-total=1000000000000000000000 x-bps-total=2000000000000000 x-bps-total=10,x-bps-total-max-length=5 x-bps-total=10,x-bps-total-max=20,x-bps-total-max-length=0 x-bps-total=10,x-bps-total-max=5 x-iops-size=10 limits.bps-foo=10 limits.bps-total=-1 x-bps-total-max-length=5000000000,x-bps-total=1,x-bps-total-max=2 limits.bps-total-max-length=5000000000,x-bps-total=1,x-bps-total-max=2 x-bps-total=1,x-bps-total-max=1000000000000000,x-bps-total-max-length=2 x-iops-total=0x10 x-iops-total=10,limits.iops-total=5 x-bps-write=1000,x-bps-write-max=2000,x-bps-write-max-length=3,x-iops-read=5,x-iops-size=4096; do tg "$o"; done
$QIO --object throttle-group,x-iops-total=1 -c quit; echo "exit=$?"
$QIO --object throttle-group,id=1tg -c quit; echo "exit=$?"
$QIO --object throttle-group,id=tg --object throttle-group,id=tg -c quit; echo "exit=$?"
$QIO -c 'open -o driver=throttle,file.filename=z.raw'
$QIO -c 'open -o driver=throttle,throttle-group=nope,file.filename=z.raw'
$QIO --object throttle-group,id=tg,x-iops-total=1 -c 'open -o driver=throttle,throttle-group=tg,foo=1,file.filename=z.raw'
$QIO --object throttle-group,id=tg,x-iops-total=10 -c 'open -o driver=throttle,throttle-group=tg,file.driver=raw,file.file.filename=z.raw' -c info -c 'write -P 3 0 4k' -c 'read -P 3 0 4k' -c map
echo "exit=$?"
$QIO --object throttle-group,id=tg,x-iops-total=1 -c 'open -r -o driver=throttle,throttle-group=tg,file.filename=z.raw' -c 'write 0 4k' -c 'discard 0 4k' -c 'truncate 1M' -c 'alloc 0 1M'
$QIO --object throttle-group,id=tg,x-iops-total=100 -c 'open -o driver=throttle,throttle-group=tg,file.filename=z.raw' -c 'write -z 0 4k' -c 'discard 0 4k' -c flush -c 'truncate 8M' -c length
echo "exit=$?"
t0=$(date +%s%N)
$QIO --object throttle-group,id=tg,limits.iops-total=10 -c 'open -o driver=throttle,throttle-group=tg,file.filename=z.raw' -c 'aio_read 0 4k' -c 'aio_read 4k 4k' -c 'aio_read 8k 4k' -c 'aio_read 12k 4k' -c 'aio_read 16k 4k' -c 'aio_read 20k 4k' -c aio_flush -c 'read 0 4k' -c 'read 0 4k' -c 'write 0 4k' -c 'write 0 4k' -c 'write 0 4k' -c 'write 0 4k' | sed -n 's/^\(read\|wrote\) .*/\1/p' | sort | uniq -c
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -ge 800 ] && echo "took 0.8 s or more"
