# protocol prefixes (file:, unknown ones, ./a:b), empty names, node references, options that name no file, align that does not divide the image, info on protocol nodes
mkimg 64k
mkimg 64k a:b
mkimg 6k six
printf '[inject-error]\nevent = "read_aio"\n' > a.cfg
printf '[inject-error]\nevent = "write_aio"\n' > b.cfg
$QIO -f raw -c length a:b; echo "exit=$?"
$QIO -c length ./a:b; echo "exit=$?"
$QIO -f raw -c 'write -P 7 0 512' file:img; echo "exit=$?"
$QIO -c 'read -P 7 0 512' file:img; echo "exit=$?"
$QIO -f raw -c 'read -P 7 0 512' blkdebug::file:img; echo "exit=$?"
$QIO -f raw -c length foo:; echo "exit=$?"
$QIO -f raw -c length :img; echo "exit=$?"
$QIO -f raw -c length blkdebug::; echo "exit=$?"
$QIO -f raw -c length ''; echo "exit=$?"
$QIO --image-opts -c length filename=img; echo "exit=$?"
$QIO --image-opts -c length img; echo "exit=$?"
$QIO --image-opts -c length driver=raw,file=img; echo "exit=$?"
$QIO -c 'open -o driver=raw' -c 'open -o driver=raw,file.driver=blkdebug' -c 'open -o driver=raw,file.driver=blkdebug,file.image=img' -c 'open -o driver=raw,file.filename=a:b' -c length; echo "exit=$?"
$QIO -c 'open -o driver=raw,file.config=b.cfg blkdebug:a.cfg:img' -c 'read 0 512' -c 'write 0 512'; echo "exit=$?"
$QIO -c 'open -o driver=raw,file.driver=blkdebug,file.image.filename=six,file.align=4k' -c 'write -P 1 4k 2k' -c 'open -r -o driver=raw,file.driver=blkdebug,file.image.filename=six,file.align=4k' -c 'read 4k 2k'; echo "exit=$?"
$QIO -f file -c info img; $QIO -c 'open -o driver=blkdebug,image.filename=img' -c info; $QIO -f raw -c info blkdebug::img
