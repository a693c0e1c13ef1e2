# The crash-consistency example of rules/examples (crash-wal.sh) works: a
# write-ahead log driven through blkmon's command language, the power cut
# at a random request with half the lost sectors kept, recovery checked.
# The correct protocol (flush the record before the superblock that counts
# it) recovers from every one of 25 seeded crashes; the buggy one (no flush
# in between) is caught: some crashes leave a superblock counting a record
# that never reached the disk.  The example's own lines are the evidence.
ex=$FAULTS/../../rules/examples/crash-wal.sh
BLKMON=${QIO%% *} $ex --trials 25 --seed 1 > correct.txt
echo "exit=$?"
tail -1 correct.txt
BLKMON=${QIO%% *} $ex --buggy --trials 25 --seed 1 > buggy.txt
echo "exit=$?"
grep -c CORRUPT buggy.txt | sed 's/^/corrupt trials: /'
tail -1 buggy.txt
rm -f buggy.txt correct.txt
