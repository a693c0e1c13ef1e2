# QEMU's inject-error with blkmon's conditions.  The rule is armed by its
# event as in QEMU ("none": at open); the conditions are looked at when the
# request is checked:
#   start/end     the request must touch [start, end): reads at 4k and 12k
#                 pass, at 8k, 10k and 0+12k (touching [8k, 12k)) fail;
#   min-length    only requests of at least 4k fail;
#   iotype list   "read,write": the discard passes, the write fails;
#   every=3       the 3rd, 6th and 9th matching reads fail;
#   nth=2         only the second;  first=2: the first two.
# The fault lines say which request failed (read N is at offset N*512);
# "rules" counts hits (requests that met the conditions) and injections.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --log-faults -c "$BD" -c 'rule add inject-error event=read_aio start=8k end=12k' \
  -c 'read -q 4k 4k' -c 'read -q 8k 4k' -c 'read -q 10k 1k' -c 'read -q 12k 4k' \
  -c 'read -q 0 12k' -c 'rules'
echo "range exit=$?"
printf '[inject-error]\nevent = "none"\nmin-length = "4k"\n' > len.cfg
$QIO --log-faults -f raw -c 'read -q 0 512' -c 'read -q 0 4k' -c 'write -q 0 2k' \
  -c 'write -q 0 8k' -c 'rules' blkdebug:len.cfg:img
echo "length exit=$?"
printf '[inject-error]\nevent = "none"\niotype = "read,write"\n' > types.cfg
$QIO --log-faults -f raw -c 'discard -q 0 4k' -c 'write -q 0 4k' -c 'read -q 0 4k' \
  -c 'rules' blkdebug:types.cfg:img
echo "types exit=$?"
for c in every=3 nth=2 first=2; do
  args=()
  for i in $(seq 9); do args+=(-c "read -q $((i * 512)) 512"); done
  echo "-- $c"
  $QIO --log-faults -c "$BD" -c "rule add inject-error event=read_aio $c" "${args[@]}" \
    -c rules | grep 'PROG\|blkmon:\|injected'
done
