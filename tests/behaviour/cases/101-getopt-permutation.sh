# options after operands, clusters, -- and option arguments that look like options
mkimg 64k
$QIO -f raw -c 'write 0 512 -P 0x11' -c 'read 0 512 -P 0x11 -q' -c 'read -vq 0 16' -c 'read -P1 0 512' -c 'read -- 0 512' -c 'read - 0' -c 'read -v -P' -c 'read -P 1 -l' -c 'write -P -1 0 1' -c 'read -a 0 512' img
echo "exit=$?"
