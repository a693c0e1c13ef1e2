# A bad-block list, as dm-dust: listed sectors fail reads (EIO, or the
# rule's errno) until they are written.  Sectors 8 and 16-17: a read of
# 0..4k passes, of 4k..8k fails; a partial write of sector 8 does not heal
# it, a whole one does; "rules" shows what is still bad, and the saved
# group lists it.  Writes are never failed by the rule.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --log-faults -c "$BD" -c 'rule add bad-blocks sectors=8,16-17' -c 'read -q 0 4k' \
  -c 'read -q 4k 4k' -c 'write -q 4k 100' -c 'read -q 4k 512' -c 'write -q 4k 512' \
  -c 'read -q 4k 4k' -c 'read -q 8k 4k' -c 'rules' -c 'rules save saved.cfg'
echo "exit=$?"
cat saved.cfg
$QIO --log-faults -c "$BD" -c 'rule add bad-blocks sectors=0 errno=61' -c 'read 0 512' \
  -c 'rule add bad-blocks sectors=x'
echo "exit=$?"
rm -f saved.cfg
