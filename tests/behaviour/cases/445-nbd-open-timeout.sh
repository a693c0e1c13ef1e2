# nbd client: open-timeout tries the connection again until the server is
# up, or gives up with the last attempt's words when the time runs out
#@ timeout 40
mkimg 1M
o="driver=nbd,server.type=unix,server.path=$T/.s"
$QIO -c quit --image-opts "$o,open-timeout=1"
echo "exit=$?"
(sleep 0.5; exec qemu-nbd -f raw --pid-file=$T/.pid -k $T/.s img </dev/null >/dev/null 2>&1) &
$QIO -c 'write -P 3 0 4k' -c 'read -P 3 0 4k' --image-opts "$o,open-timeout=20"
echo "exit=$?"
wait
