# sigraise flushes what was printed before dying; abort loses buffered stdout; both leave the data written
ulimit -c 0
mkimg 64k
{ $QIO -f raw -c 'write -P 4 0 512' -c 'sigraise 2' img 2>&3; } 3>&2 2>/dev/null
echo "exit=$?"
{ $QIO -f raw -c 'write -P 5 512 512' -c 'abort' img 2>&3; } 3>&2 2>/dev/null
echo "exit=$?"
$QIO -f raw -c 'read -P 4 0 512' -c 'read -P 5 512 512' img
