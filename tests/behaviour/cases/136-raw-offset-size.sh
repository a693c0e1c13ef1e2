# the raw format's offset and size options: a window of the file, its checks, truncation, zero writes and discards through it
mkimg 64k
$QIO -f raw -c 'write -P 9 8k 4k' img
$QIO -c 'open -o driver=raw,offset=4k,file.filename=img' -c length -c 'read -P 9 4k 4k' -c 'write -P 5 0 512' -c 'read -P 5 0 512' -c 'write -z 16k 4k' -c 'discard 20k 4k' -c 'truncate 32k' -c length; echo "exit=$?"
$QIO -c 'open -o driver=raw,offset=4k,size=8k,file.filename=img' -c length -c 'read -P 5 0 512' -c 'write 8k 512' -c 'truncate 16k'; echo "exit=$?"
$QIO -c 'open -o driver=raw,offset=100,file.filename=img' -c length -c 'truncate 16k' -c length; echo "exit=$?"
$QIO -c 'open -o driver=raw,offset=1M,file.filename=img' -c 'open -o driver=raw,size=1M,file.filename=img' -c 'open -o driver=raw,offset=12k,size=8k,file.filename=img' -c 'open -o driver=raw,offset=x,file.filename=img' -c 'open -o driver=raw,size=-1,file.filename=img' -c 'open -o driver=raw,offset=512,size=513,file.filename=img' -c 'open -o driver=raw,offset=16E,file.filename=img'; echo "exit=$?"
$QIO -c 'open -o offset=1M,file.filename=img'; echo "exit=$?"
