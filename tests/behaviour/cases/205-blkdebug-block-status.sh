# an inject rule on iotype block-status fails map and alloc; other rules never touch them
mkimg 1M
printf '[inject-error]\nevent = "none"\niotype = "block-status"\nerrno = "5"\n' > bs.cfg
printf '[inject-error]\nevent = "none"\niotype = "block-status"\nerrno = "13"\nonce = "on"\n' > once.cfg
printf '[inject-error]\nevent = "none"\nerrno = "5"\n' > all.cfg
printf '[inject-error]\nevent = "none"\niotype = "block-status"\nsector = "2048"\n' > sec.cfg
for c in bs once all sec; do
  $QIO -f raw -c 'alloc 0 4k' -c 'map' -c 'alloc 1020k 8k' -c 'alloc 4M 1' -c 'map' blkdebug:$c.cfg:img
  echo "$c exit=$?"
done
