# Latency.  A fixed delay of 300 ms on reads: three reads take at least
# 0.9 s (and, on any machine, well under 5 s); writes are not delayed.
# Random latencies draw from the rule's stream: uniform in [2ms, 4ms),
# normal(3ms, 1ms) and a histogram file give exactly the delays model.py
# computes for --seed 5, as the fault lines show them (in ms, 3 decimals).
# Last, 1000 requests each delayed 1 s in flight at once complete in about
# 1 s: a delayed request holds no thread, only a timer entry.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
t0=$(date +%s%N)
$QIO --log-faults -c "$BD" -c 'rule add delay iotype=read latency=300ms' \
  -c 'read -q 0 512' -c 'read -q 0 512' -c 'write -q 0 512' -c 'read -q 0 512' -c rules
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -ge 900 ] && [ $ms -lt 5000 ] && echo "three 300 ms reads took 0.9 to 5 s: yes"
delays() {  # the delays blkmon logged, one per line
  grep -o 'for [0-9.]* ms' | cut -d' ' -f2
}
args=(); for i in $(seq 20); do args+=(-c "read -q 0 512"); done
$QIO --seed 5 --log-faults -c "$BD" -c 'rule add delay latency=2ms latency-max=4ms' \
  "${args[@]}" | delays > got.u
$MODEL delays uniform 5 1 20 2000000 4000000 > want.u
cmp got.u want.u && echo "uniform delays as the model: yes"
$QIO --seed 5 --log-faults -c "$BD" -c 'rule add delay latency=3ms stddev=1ms' \
  "${args[@]}" | delays > got.n
$MODEL delays normal 5 1 20 3000000 1000000 > want.n
cmp got.n want.n && echo "normal delays as the model: yes"
printf '# latency weight\n1ms 1\n2ms 2\n10ms 0.5\n' > hist.txt
$QIO --seed 5 --log-faults -c "$BD" -c 'rule add delay histogram=hist.txt' \
  "${args[@]}" | delays > got.h
$MODEL delays histogram 5 1 20 hist.txt > want.h
cmp got.h want.h && echo "histogram delays as the model: yes"
sort got.h | uniq -c | sed 's/^ */histogram: /'
printf '[delay]\nlatency = "1s"\n' > slow.cfg
$QIO -f raw -c 'bench -q -c 1000 -d 1000 -s 512' blkdebug:slow.cfg:img > bench.out
secs=$(sed -n 's/^Run completed in \([0-9.]*\) seconds.$/\1/p' bench.out)
python3 -c "import sys; sys.exit(0 if 1.0 <= $secs < 3.0 else 1)" \
  && echo "1000 requests delayed 1 s, 1000 at once: done in about 1 s: yes"
rm -f got.* want.* bench.out
