# A device cannot grow; shrinking is let be (its size stays).
#@ loop 2M
$QIO -f raw $LOOP -c 'truncate 1M' -c length -c 'truncate 8M' -c length \
  -c 'truncate 2M' -c 'truncate -m full 4M' -c length -c 'write 2M 512'
echo "exit $?"
$QIO --image-opts driver=raw,size=1M,file.filename=$LOOP -c 'truncate 512k' \
  -c length
$QIO --image-opts driver=host_device,filename=$LOOP -c 'truncate 0' -c length \
  -c 'truncate 3M'
echo "exit $?"
