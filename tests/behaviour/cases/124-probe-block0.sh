# a probed raw image refuses writes that would make block 0 look like another format
mkimg 64k
printf 'QFI\xfb' > qhdr
$QIO -c 'write -s qhdr 0 512' -c 'write -P 0x51 0 512' -c 'read -v 0 4' img
echo "exit=$?"
$QIO -f raw -c 'write -s qhdr 0 512' -c 'read -v 0 4' img
echo "exit=$?"
