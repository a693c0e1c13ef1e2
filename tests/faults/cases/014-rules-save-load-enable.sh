# Live control: rules are added, listed with their hits, disabled (they
# look at nothing), enabled again and deleted.  "rules save" writes QEMU's
# format untouched when only QEMU's groups are there (qemu's blkdebug can
# load it), and blkmon's groups after them when present; loading what was
# saved and saving again gives the same file.  Bad keys and values get
# messages worded like QEMU's.
mkimg 1M
BD='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
$QIO --seed 1 -c "$BD" -c 'rule add inject-error event=read_aio errno=28' -c 'rules save qemu.cfg' \
  -c 'rule add delay iotype=write,flush latency=1500us once=on' \
  -c 'rule add corrupt mode=overwrite at=1 count=2 value=7 start=1M' \
  -c 'rule add hang tag=t timeout=2s errno=0 every=100' \
  -c 'rule add powercut keep=25% exit=on probability=0.5 up=1s down=2s' \
  -c 'rule add torn-write' -c 'rule add write-cache' \
  -c 'rule disable 1' -c 'read -q 0 512' -c 'rule enable 1' -c 'read -q 0 512' \
  -c 'rules' -c 'rules save all.cfg' -c 'rule del 2' -c 'rule del 2' -c 'rule enable 99' \
  -c 'rules load all.cfg' -c 'rules save again.cfg'
echo "exit=$?"
cat qemu.cfg
echo ---
cat all.cfg
cmp all.cfg again.cfg && echo "saved, loaded, saved again: same file"
$QIO -c "$BD" -c 'rule add delay' -c 'rule add delay latency=5 stddev=1 latency-max=9' \
  -c 'rule add delay latency=5parsecs' -c 'rule add inject-error event=none probability=2' \
  -c 'rule add inject-error event=none start=8k end=4k' -c 'rule add inject-error event=none nth=1 every=2' \
  -c 'rule add hang event=read_aio' -c 'rule add corrupt iotype=read bits=1 at=3' \
  -c 'rule add write-cache iotype=read' -c 'rule add torn-write iotype=read' \
  -c 'rule add set-state event=read_aio errno=5' -c 'rule add inject-error event=none up=1s'
echo "exit=$?"
rm -f *.cfg
