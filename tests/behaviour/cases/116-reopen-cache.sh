# reopen changes cache modes and writability, keeps data; bad reopen forms fail without closing the image
mkimg 64k
$QIO -f raw -c 'write -q -P 1 0 4k' -c 'reopen -c none' -c 'read -q -P 1 0 4k' -c 'reopen -c unsafe -r' -c 'write 0 1' -c 'reopen -w -c writethrough' -c 'write -q -P 2 0 1' -c 'reopen -c' -c 'reopen -x' -c 'reopen -w -w' -c 'reopen 1' -c 'length' -c 'reopen -o bogus=1' img
echo "exit=$?"
