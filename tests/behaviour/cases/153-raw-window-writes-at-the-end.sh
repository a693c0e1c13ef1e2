# raw windows (offset, size): writes up to the window's end, refused past it, the length unchanged; a window whose last sector lies over the file's last, partial one grows the file to that sector's end
mkimg 64k
$QIO -c 'open -o driver=raw,offset=4k,size=8k,file.filename=img' -c length -c 'write -P 1 7k 1k' -c 'write 8k 1' -c 'write -z 7k 2k' -c length
echo "exit=$?"
$QIO -c 'open -o driver=raw,offset=60k,file.filename=img' -c length -c 'write -P 2 3k 1k' -c 'write 4k 1' -c length
echo "exit=$?"
$QIO -c 'open -o driver=raw,offset=1k,size=63k,file.filename=img' -c length -c 'write -P 3 62k 1k' -c 'write 63k 512' -c length
echo "exit=$?"
truncate -s 8492 odd
$QIO -c 'open -o driver=raw,offset=4k,file.filename=odd' -c length -c 'write -P 4 4k 512' -c length -c 'read -P 4 4k 512' -c 'write 4608 1'
echo "exit=$?"
$QIO -c 'open -o driver=raw,offset=8k,size=512,file.filename=odd' -c length -c 'write -z 0 512' -c length
echo "exit=$?"
