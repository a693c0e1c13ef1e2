# Errors at a rate: "inject-error ... probability=0.25" fails each read with
# chance 1/4, drawing from the rule's own seeded stream.  With --seed 42,
# model.py (a second implementation of SplitMix64 and of the draw order in
# rules/rules.h) says exactly how many of 400 reads fail; blkmon must fail
# that many, and again on a second run (same seed, same faults).  The seed
# is printed once, because a rule draws random numbers.  The count must
# also be a plausible draw: within 4 standard deviations of 100.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
reads=()
for i in $(seq 400); do reads+=(-c "read -q $((i % 64 * 4096)) 4k"); done
run() {
  $QIO --seed 42 -c "$BD" -c 'rule add inject-error event=read_aio probability=0.25' \
    "${reads[@]}" -c 'rules' > out.$1 2>&1
  echo "run $1 exit=$?"
}
run 1
run 2
head -2 out.1
tail -1 out.1
got=$(grep -c 'read failed: Input/output error' out.1)
want=$($MODEL probability 42 1 400 0.25)
echo "failed reads: blkmon $got, model $want"
cmp -s out.1 out.2 && echo "second run identical: yes"
python3 -c "import sys; n=$got; sys.exit(0 if abs(n-100) <= 4*(400*.25*.75)**.5 else 1)" \
  && echo "within 4 sigma of 100: yes"
# A different seed draws differently (and says so).
$QIO --seed 43 -c "$BD" -c 'rule add inject-error event=read_aio probability=0.25' \
  "${reads[@]}" > out.3 2>&1
echo "seed 43: blkmon $(grep -c 'read failed' out.3), model $($MODEL probability 43 1 400 0.25)"
rm -f out.*
