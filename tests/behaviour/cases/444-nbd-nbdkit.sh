# nbd client against nbdkit: the memory plugin (writes, zeroes, trims,
# block status), an oldstyle server, and one that asks for 4 KiB blocks
nbdkit -f -U $T/.s -P $T/.pid memory 4M </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do [ -e $T/.pid ] && break; sleep 0.05; done
o="driver=nbd,server.type=unix,server.path=$T/.s"
$QIO -c 'write -P 1 0 64k' -c 'write -P 2 1000 3000' -c 'read -P 2 1000 3000' \
  -c 'write -z 64k 64k' -c 'discard 0 4k' -c 'read -P 0 0 4k' -c map \
  -c 'alloc 0 4M' -c info --image-opts "$o"
echo "exit=$?"
kill $(cat $T/.pid); wait; rm -f $T/.s $T/.pid
nbdkit -f --oldstyle -U $T/.s -P $T/.pid data '1 2 3 @0x19000 4 5' size=1M \
  </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do [ -e $T/.pid ] && break; sleep 0.05; done
$QIO -c 'read -v 0 4' -c 'read -v 102400 4' -c map -c info --image-opts "$o"
$QIO -c quit --image-opts "$o,export=x"
echo "exit=$?"
kill $(cat $T/.pid); wait; rm -f $T/.s $T/.pid
nbdkit -f -U $T/.s -P $T/.pid --filter=blocksize memory 1M minblock=4k \
  </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do [ -e $T/.pid ] && break; sleep 0.05; done
$QIO -c 'write -P 7 100 200' -c 'read -P 7 100 200' -c 'read -P 0 0 100' \
  -c 'read -P 0 300 3796' -c map --image-opts "$o"
echo "exit=$?"
kill $(cat $T/.pid); wait
