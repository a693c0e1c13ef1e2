# A power cut at a chosen write, from the config file the image is opened
# with: [powercut] iotype=write nth=5 exit=on.  The 5th write never
# happens (it fails: the power went), the writes since the last flush are
# lost, and blkmon exits: the commands after it do not run.  The image
# holds the first three writes (flushed) and nothing else.
# Without exit, blkmon goes on: the next writes land on the crashed image,
# and a request that was delayed across the cut fails (its device is gone).
mkimg 1M
printf '[powercut]\niotype = "write"\nnth = "5"\nexit = "on"\n' > cut.cfg
$QIO --log-faults -t writeback -f raw -c 'write -P 1 0 4k' -c 'write -P 2 4k 4k' \
  -c 'write -P 3 8k 4k' -c 'flush' -c 'write -P 4 12k 4k' -c 'write -P 5 16k 4k' \
  -c 'write -P 6 20k 4k' blkdebug:cut.cfg:img
echo "exit=$?"
od -An -tx1 -w4096 -v img | cut -c1-6 | uniq -c | head -5
printf '[powercut]\niotype = "write"\nnth = "2"\n\n[delay]\niotype = "read"\nlatency = "200ms"\n' > on.cfg
$QIO --log-faults -t writeback -f raw -c 'write -P 7 0 4k' -c 'aio_read 0 4k' \
  -c 'write -P 8 4k 4k' -c 'aio_flush' -c 'write -P 9 8k 4k' -c 'read -P 9 8k 4k' \
  -c 'read -P 1 0 4k' blkdebug:on.cfg:img
echo "exit=$?"
od -An -tx1 -w4096 -v img | cut -c1-6 | uniq -c | head -5
