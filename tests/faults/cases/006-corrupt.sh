# Silent corruption.  The image is all zeroes, so every set bit a read
# returns is a flipped one (bits.py counts them in "read -v" dumps):
#   bits=5              exactly 5 bits of each read flip, a new 5 each time;
#   bit-probability     cosmic rays: each bit flips with chance p; for
#                       --seed 9 model.py names exactly the bits that flip;
#   mode=stuck          the same bits are wrong at the same offsets on every
#                       read, whatever the request's start;
#   mode=overwrite      bytes at=10 count=2 of each read become value 0x5a;
#   iotype=write        the data written is corrupted (the caller's buffer
#                       is not): read back without the rule, 3 bits are set.
# The reads report success: the corruption is silent.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
cat > bits.py <<'PY'
import sys
# The set bits (absolute bit numbers) of each "read -v" dump in a file:
# "OFFSET:  xx xx ... ascii" lines; "read N/N bytes" ends a dump.
dumps, cur = [], []
for line in open(sys.argv[1]):
    if line.startswith('read '):
        dumps.append(cur)
        cur = []
        continue
    head, sep, rest = line.partition(':  ')
    if not sep or len(head) != 8:
        continue
    base = int(head, 16)
    for i, h in enumerate(rest.split()[:16]):
        if len(h) != 2:
            break
        cur += [(base + i) * 8 + b for b in range(8) if int(h, 16) >> b & 1]
for d in dumps:
    print(len(d), ' '.join(map(str, d)))
PY
$QIO --seed 9 -c "$BD" -c 'rule add corrupt bits=5' -c 'read -v 0 256' -c 'read -v 0 256' \
  > dump.txt
python3 bits.py dump.txt | while read n rest; do echo "bits=5: a read returned $n bits set"; done
python3 bits.py dump.txt | uniq -d | grep -q . || echo "bits=5: the two reads differ: yes"
$QIO --seed 9 -c "$BD" -c 'rule add corrupt bit-probability=0.001' -c 'read -v 0 4k' \
  > dump.txt
python3 bits.py dump.txt > got.txt
$MODEL flips 9 1 4096 0.001 1 > want.txt
cmp got.txt want.txt && echo "cosmic rays: the bits model.py names: $(cut -d' ' -f1 got.txt) bits"
$QIO --seed 9 -c "$BD" -c 'rule add corrupt mode=stuck bit-probability=0.01' \
  -c 'read -v 0 8k' -c 'read -v 4k 4k' -c 'read -v 0 8k' > dump.txt
python3 bits.py dump.txt > stuck.txt
python3 - <<'PY'
whole, part, again = [[int(x) for x in l.split()[1:]] for l in open('stuck.txt')]
print('stuck: %d bits set in 8k (value-1 stuck bits of a zero image)' % len(whole))
print('stuck: read again, the same bits: %s' % ('yes' if again == whole else 'no'))
print('stuck: 4k..8k read alone, the same bits: %s'
      % ('yes' if part == [b for b in whole if b >= 4096 * 8] else 'no'))
PY
$QIO -c "$BD" -c 'rule add corrupt mode=overwrite at=10 count=2 value=0x5a' \
  -c 'read -v 0 16' -c 'read -v 100 16'
$QIO --seed 9 -c "$BD" -c 'rule add corrupt iotype=write bits=3' -c 'write -P 0 0 512' \
  -c 'rule del 1' -c 'read -v 0 512' > dump.txt
echo "written with bits=3: $(python3 bits.py dump.txt | cut -d' ' -f1) bits set on disk"
$QIO --seed 9 -c "$BD" -c 'rule add corrupt iotype=flush'
echo "exit=$?"
rm -f *.txt bits.py
