# qcow2 grows its file while allocating (data, L2, refcount blocks), directly and with blkdebug between the format and the file; truncate with preallocation places new clusters after the grown end
#@ timeout 60
for top in t.qcow2 blkdebug::t.qcow2 'json:{"driver":"qcow2","file":{"driver":"blkdebug","image":{"driver":"file","filename":"t.qcow2"}}}'; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 4M
  $QIO -c 'write -P 1 0 64k' -c 'write -P 2 1M 100k' -c 'write -z 2M 64k' -c 'write -P 3 3M 512' -c 'truncate -m full 6M' -c 'write -P 4 5M 64k' -c 'truncate -m falloc 7M' -c length -c map -c 'read -P 4 5M 64k' "$top"
  echo "exit=$?"
  qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; stat -c %s t.qcow2
done
