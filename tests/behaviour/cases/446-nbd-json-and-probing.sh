# nbd client: json: names, options nested and flat, and the probe warning
# (no -f) naming the URI qemu makes of the address
mkimg 1M
qemu-nbd -t -f raw -x exp --pid-file=$T/.pid -k $T/.s img </dev/null >/dev/null 2>&1 &
for i in $(seq 200); do [ -e $T/.pid ] && break; sleep 0.05; done
s=$T/.s
$QIO -c 'write -P 1 0 4k' -c info "json:{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"$s\"},\"export\":\"exp\"}"
$QIO -c 'read -P 1 0 4k' -c info "json:{\"driver\":\"raw\",\"file\":{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"$s\"},\"export\":\"exp\",\"reconnect-delay\":3}}"
$QIO -c 'read -P 1 0 4k' "json:{\"file\":{\"driver\":\"nbd\",\"path\":\"$s\",\"export\":\"exp\"}}"
$QIO -c 'read -P 1 0 4k' "json:{\"driver\":\"raw\",\"file\":{\"filename\":\"nbd+unix:///exp?socket=$s\"}}"
$QIO -c 'write -P 2 0 512' -c 'write -P 2 512 512' "nbd:unix:$s:exportname=exp"
$QIO -r -c 'read -P 1 0 512' "nbd+unix:///exp?socket=$s"
kill $(cat $T/.pid); wait
