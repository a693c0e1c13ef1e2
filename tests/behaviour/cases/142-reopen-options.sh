# reopen -o as qemu takes it: each node's own keys (changeable ones, the rest only unchanged), named as the node knows them; a child takes read-only and the cache options from its parent; read-only nodes others write through are refused with the node's name; "reopen -r" gives up the device's write permission even when it fails
mkimg 1M
B='open -o driver=raw,file.driver=blkdebug,file.image.filename=img'
for o in file.read-only=on file.read-only=off file.cache.direct=on file.cache.no-flush=on file.discard=ignore file.detect-zeroes=on file.detect-zeroes=bogus file.image.driver=file file.image.filename=img file.image.filename=x file.image.cache.direct=on file.image.read-only=on file.image.aio=threads file.auto-read-only=on image.x=1 file.image.image.x=1 force-share=off read-only=on 'file.read-only=on,file.image.read-only=on' 'read-only=on,file.image.foo=1' 'foo=bar,file.discard=bogus' 'file.foo=bar,file.read-only=bogus,read-only=on' 'discard=bogus,detect-zeroes=bogus,foo=bar'; do
  $QIO -c "$B" -c "reopen -o $o" -c 'write -q 1 1' -c 'read -q 0 512'
  echo "blkdebug $o exit=$?"
  $QIO -f raw -c "reopen -o $o" -c 'write -q 1 1' img
  echo "raw $o exit=$?"
done
$QIO -c 'reopen -r -o file.read-only=off,file.image.read-only=on' -c 'write 0 1' -c "$B" -c 'reopen -r -o file.read-only=off,file.image.read-only=on' -c 'reopen -w'
echo "exit=$?"
$QIO -f raw -c 'reopen -o filename=img' -c 'reopen -o file.filename=img' -c 'reopen -o node-name=x' img
echo "exit=$?"
$QIO -c 'open -o driver=raw,node-name=top,file.filename=img,file.node-name=bot,file.aio=threads' -c 'reopen -o node-name=top' -c 'reopen -o file.node-name=bot' -c 'reopen -o file.aio=threads' -c 'reopen -o file.aio=native' -c 'reopen -o read-only=on' -c 'reopen -o file.read-only=on'
echo "exit=$?"
$QIO -r -f raw -c 'reopen -o read-only=off' -c 'write -q 0 512' -c 'reopen -o file.read-only=on' -c 'reopen -w -o file.read-only=on' img
echo "exit=$?"
$QIO -c 'open -o driver=raw,file.filename=img,file.cache.direct=on' -c 'reopen -c writeback' -c 'write -q 1 1' -c 'reopen -o file.cache.direct=off' -c 'write -q 1 1'
echo "exit=$?"
$QIO -c 'open -o driver=raw,file.filename=img,file.detect-zeroes=on' -c 'write -q -P 0 0 64k' -c 'reopen -o file.detect-zeroes=off' -c 'write -q -P 0 64k 64k' -c 'reopen -o detect-zeroes=unmap,discard=ignore' -c 'reopen -o file.detect-zeroes=bogus'
echo "exit=$?"
