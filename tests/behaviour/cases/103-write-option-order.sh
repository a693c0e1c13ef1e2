# the order in which write checks conflicting options, and -n with -z beyond the request limit
mkimg 64k
$QIO -f raw -c 'write -n -u 0 1' -c 'write -z -P 1 -b 0 1' -c 'write -s x -P 1 -f -c 0 1' -c 'write -u -n 0 1' -c 'write -n 0 3G' -c 'write -z 0 3G' -c 'write -z -n 0 512' -c 'write -zn 0 3G' -c 'write -z 0 2147483137' -c 'write -b 1 512' -c 'write -c 0 100' img
echo "exit=$?"
