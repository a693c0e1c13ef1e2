# requests refused before any I/O: aio ones end at the next loop pass, newest first; a refused read, write, write -z or discard reports at once, before them; readv and writev wait as aio requests do, after them
mkimg 1M
$QIO -f raw -c 'aio_read 2M 1' -c 'aio_read 3M 1' -c 'aio_write 4M 1' -c 'aio_flush' img
echo "exit=$?"
for c in 'read 3M 512' 'write 3M 512' 'write -z 3M 512' 'discard 3M 512' 'readv 3M 512' 'writev 3M 512' 'read 0 1'; do
  $QIO -f raw -c 'aio_write 2M 512' -c 'aio_read -P 9 5M 1' -c "$c" -c 'aio_flush' img
  echo "$c exit=$?"
done
printf 'aio_read 2M 1\naio_write 3M 1\naio_read 4M 1\nwrite 3M 1\naio_flush\n' | $QIO -f raw img
echo "exit=$?"
