# nbd client: an export qemu-nbd serves read-only, opened for writing, read
# only, and reopened for writing
mkimg 1M
qemu-nbd -t -r -f raw --pid-file=$T/.pid -k $T/.s img </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do [ -e $T/.pid ] && break; sleep 0.05; done
$QIO -c quit "nbd+unix://?socket=$T/.s"
echo "exit=$?"
$QIO -f raw -c quit "nbd:unix:$T/.s"
echo "exit=$?"
$QIO -c "open -r -o driver=nbd,path=$T/.s" -c 'reopen -w' \
  -c 'reopen -o read-only=off' -c 'write 0 4k' -c 'read -P 0 0 4k' -c 'reopen -r' \
  -c info
echo "exit=$?"
kill $(cat $T/.pid); wait
