# writes past the end of a raw image are refused (sync and aio, data, zeroes, vectors, compressed) and leave the length and the file; a file whose size is not whole sectors counts its last partial sector, and a write there grows it to the sector's end, directly, through raw, through blkdebug
mkimg 8k
$QIO -f raw -c 'write 8k 512' -c 'write 7k 2k' -c 'write -z 8k 4k' -c 'aio_write 8191 2' -c aio_flush -c 'writev 4k 4k 1' -c 'write -c 8k 512' -c length -c 'write -P 3 7680 512' -c length img
echo "exit=$?"
mkimg 1000 odd
$QIO -f raw -c length -c 'write -P 1 900 124' -c length -c 'write 1024 1' -c 'write -z 512 512' -c length -c 'read -P 0 900 124' odd
echo "exit=$?"
mkimg 1000 odd2
$QIO -f file -c 'write -z 1000 24' -c length odd2
echo "exit=$?"
mkimg 1000 odd3
$QIO -c 'open -o driver=raw,file.driver=blkdebug,file.image.filename=odd3' -c length -c 'write -P 1 1000 24' -c length -c 'read -P 1 1000 24'
echo "exit=$?"
