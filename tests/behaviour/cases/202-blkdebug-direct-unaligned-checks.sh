# under O_DIRECT blkdebug sees requests unaligned: a sector rule matches the request, not the file's padded block
mkimg 1M
printf '[inject-error]\nevent = "none"\nsector = "1"\n' > s1.cfg
for t in none directsync; do
  $QIO -c "open -t $t -o driver=raw,file.driver=blkdebug,file.image.filename=img,file.config=s1.cfg" -c 'write -P 1 0 512' -c 'write -P 1 0 1024' -c 'read 0 512' -c 'read 512 512' -c 'write -P 9 1000 10' -c 'flush'
  echo "$t exit=$?"
done
$QIO -f raw -c 'read -v 992 24' img
