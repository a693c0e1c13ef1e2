# null-co and null-aio: options and their errors, reads without storage (read-zeroes or the buffer as it was), writes to nowhere, nothing allocated, info, resize refused, latency, the filename each accepts
for o in "driver=null-co" "driver=null-co,size=1M" "driver=null-co,latency-ns=-5" "driver=null-co,bogus=1" "driver=null-aio,size=64k,read-zeroes=on" "driver=null-co,filename=foo" "driver=null-co,size=1000"; do
  echo "== $o"
  $QIO --image-opts -c 'read -v 0 16' -c 'write -z 0 4k' -c 'discard 0 4k' -c map -c 'alloc 0 64k' -c length -c info -c 'write 0 4k' -c 'write -c 0 64k' -c 'truncate 2M' -c 'aio_read -v 0 16' -c aio_flush "$o"; echo "exit=$?"
done
$QIO -c 'read 0 512' null-co://; echo "exit=$?"
$QIO -c 'read 0 512' null-co://x; echo "exit=$?"
$QIO -f null-aio -c 'read 0 512' null-aio://; echo "exit=$?"
$QIO -c 'open -o driver=null-co' -c length -c 'open -o driver=null-aio,size=4k null-aio://' -c length; echo "exit=$?"
$QIO -c length 'json:{"driver":"null-co","size":4096}'; echo "exit=$?"
$QIO --image-opts -c 'read 0 512' -c 'write 0 512' driver=null-co,latency-ns=2000000; echo "exit=$?"
