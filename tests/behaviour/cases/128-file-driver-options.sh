# the file driver's own options (aio, locking, aio-max-batch, drop-cache, pr-manager, read-only), a top-level aio, and which leftover option is named
mkimg 64k
$QIO -f raw -c 'open -o driver=raw,file.aio=io_uring img' -c 'write -P 1 0 4k' -c 'read -P 1 0 4k' -c close -c 'open -o driver=raw,file.aio=threads,file.locking=off img' -c 'read -P 1 0 4k'
echo "exit=$?"
$QIO -c 'open -o driver=raw,aio=io_uring img' -c 'open -o driver=raw,file.aio=native img' -c 'open -o driver=raw,file.aio=bogus img' -c 'open -o driver=raw,file.aio= img' -c 'open -o driver=raw,file.locking=maybe img'
echo "exit=$?"
$QIO -c 'open -o driver=raw,file.aio-max-batch=x img' -c 'open -o driver=raw,file.aio-max-batch=8 img' -c 'close' -c 'open -o driver=raw,file.drop-cache=x img' -c 'open -o driver=raw,file.pr-manager=pr0 img'
echo "exit=$?"
$QIO -c 'open -o read-only=on img' -c 'open -o driver=raw,file.read-only=on img' -c 'open -r -o read-only=off img' -c 'write -P 2 0 512'
echo "exit=$?"
$QIO -c 'open -o driver=raw,foo=1,bar=2,zz=3 img' -c 'open -o driver=raw,y=2,x=1 img' -c 'open -o driver=raw,a,,b img' -c 'open -o driver=raw,file.y=1,file.x=2 img'
echo "exit=$?"
