# Writes acknowledged and not done.  "drop-writes first=1" drops only the
# first write: it reports success, yet the image keeps its old bytes
# (read -P 0 passes), and the second write lands.  A dropped discard
# leaves the data.  Dropping flushes ("iotype=flush") over a write cache
# is a disk that lies about flushing: the flush succeeds, the data stays
# in the cache, and a power cut loses it.
mkimg 1M
BD='open -t writeback -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --log-faults -c "$BD" -c 'rule add drop-writes first=1' -c 'write -P 1 0 4k' \
  -c 'read -P 0 0 4k' -c 'write -P 2 0 4k' -c 'read -P 2 0 4k' -c 'rules'
echo "exit=$?"
$QIO --log-faults -c "$BD" -c 'rule add drop-writes iotype=discard' -c 'discard 0 4k' \
  -c 'read -P 2 0 4k'
echo "exit=$?"
$QIO --log-faults -c "$BD" -c 'rule add write-cache' -c 'rule add drop-writes iotype=flush' \
  -c 'write -P 3 0 4k' -c 'flush' -c 'powercut' -c 'read -P 2 0 4k'
echo "exit=$?"
