# help for every alias and for blkmon-neutral unknown words
for c in a c d f i l o t '?' aio_flush help quit sleep wait_break remove_break resume close info map; do
  $QIO -c "help $c"
done
$QIO -c 'help extents_nope'
echo "exit=$?"
