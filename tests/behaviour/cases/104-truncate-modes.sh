# truncate preallocation modes, shrinking with preallocation, extra operands and option errors
mkimg 64k
$QIO -f raw -c 'truncate -m off 64k' -c 'truncate -m falloc 96k' -c 'length' -c 'truncate -m full 128k' -c 'length' -c 'truncate -m metadata 256k' -c 'truncate -m metadata 1' -c 'truncate -m full 1' -c 'truncate -x 1' -c 'truncate -m' -c 'truncate 32k 2' -c 'length' -c 'truncate 0x1k' -c 'length' img
echo "exit=$?"
