# close waits for outstanding aio; after close, image commands fail and open works again
mkimg 64k a
mkimg 64k b
$QIO -f raw -c 'aio_write -P 5 0 8k' -c 'close' -c 'aio_flush' -c 'open -o driver=raw b' -c 'aio_write -P 6 0 512' -c 'quit' -c 'length' a
echo "exit=$?"
$QIO -f raw -c 'read -P 5 0 8k' a
$QIO -f raw -c 'read -P 6 0 512' b
