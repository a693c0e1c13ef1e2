# Power loss, checked against a model that knows which writes a completed
# flush covered.  model.py writes a seeded script of 300 writes (random
# offsets and lengths, some not sector-aligned, overlapping) and flushes;
# blkmon runs it over a write cache (-t writeback: no flush but the
# script's) and cuts the power.  The image must equal the model's: the
# state after the last flush, byte for byte.  With "powercut -k 0.5" each
# lost sector is kept with chance 1/2, drawn from the first cut's stream
# (seed 3): again the model names exactly which, and the counts agree.
# "powercut -x" exits at once: the commands after it do not run, and the
# image is the crash's.  Reads after a cut (blkmon goes on) see it too.
mkimg 1M
BD='open -t writeback -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$MODEL powercut-script 21 1048576 300 > ops.txt
args=(); while read -r line; do args+=(-c "$line"); done < ops.txt
echo "script: $(grep -c write ops.txt) writes, $(grep -c flush ops.txt) flushes"
check() {  # $1: blkmon seed, $2: keep, $3: what
  $MODEL powercut-image 21 1048576 300 "$1" "$2" model.img
  cmp -s img model.img && echo "$3: image matches the model: yes" \
    || echo "$3: image matches the model: NO"
}
$QIO --seed 3 -c "$BD" -c 'rule add write-cache' "${args[@]}" -c 'powercut' \
  -c 'read -q 0 1M'
echo "exit=$?"
check 3 0 "powercut"
rm -f img; mkimg 1M
$QIO --seed 3 -c "$BD" -c 'rule add write-cache' "${args[@]}" -c 'powercut -k 0.5'
echo "exit=$?"
check 3 0.5 "powercut -k 0.5"
rm -f img; mkimg 1M
$QIO --seed 3 -c "$BD" -c 'rule add write-cache' "${args[@]}" -c 'powercut -x' \
  -c 'write -P 99 0 1M'
echo "exit=$?"
check 3 0 "powercut -x"
rm -f img model.img ops.txt
