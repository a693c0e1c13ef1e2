# nbd client against qemu-nbd: writes land in the image, reads verify,
# map/alloc/info over base:allocation, truncate and discard as qemu-io.
# One aio write at a time: qemu-nbd may run two in flight in either order.
mkimg 4M
qemu-nbd -t -f raw -x exp --cache=writethrough --discard=unmap \
  --pid-file=$T/.pid -k $T/.s img </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do [ -e $T/.pid ] && break; sleep 0.05; done
o="driver=nbd,server.type=unix,server.path=$T/.s,export=exp"
$QIO -c 'write -P 1 0 64k' -c 'write -P 2 1000 3000' -c 'write -P 3 1M 1M' \
  -c 'read -P 1 0 1000' -c 'read -P 2 1000 3000' -c 'read -P 3 1M 1M' \
  -c 'write -z 2M 64k' -c 'write -z -u 3M 64k' -c 'discard 1M 64k' \
  -c 'read -P 0 1M 64k' -c 'aio_write -P 4 2M 4k' -c 'aio_flush' \
  -c 'aio_write -P 5 2M 4k' -c 'aio_flush' -c 'read -P 5 2M 4k' \
  -c 'write -f 8k 4k' -c flush \
  -c info -c map -c 'alloc 0 4M' -c 'alloc 4k 4k' -c length \
  -c 'truncate 8M' -c 'truncate 1M' -c length -c 'read -v 4194300 4' \
  --image-opts "$o"
echo "exit=$?"
$QIO -f raw -c 'read -P 1 0 1000' -c info "nbd+unix:///exp?socket=$T/.s"
$QIO -f raw -c 'read -P 3 1100k 4k' "nbd:unix:$T/.s:exportname=exp"
$QIO -r -c 'write 0 4k' -c 'read 0 4k' --image-opts "$o"
$QIO -c quit "nbd+unix:///nope?socket=$T/.s"
echo "exit=$?"
$QIO -c quit "nbd+unix:///$(printf %4096d 1 | tr ' ' a)?socket=$T/.s" 2>&1 | sed 's/aaaa*aa/aa--aa/'
kill $(cat $T/.pid); wait
