# qcow2's VM state (write -b) grows the file past the guest's clusters, with and without blkdebug between; then guest writes and a preallocating truncate allocate after it
#@ timeout 60
for top in t.qcow2 'json:{"driver":"qcow2","file":{"driver":"blkdebug","image":{"driver":"file","filename":"t.qcow2"}}}'; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
  $QIO -c 'write -b -P 5 0 100k' -c 'write -P 6 0 4k' -c 'truncate -m full 2M' -c 'write -b -P 7 1M 512' -c 'read -b -P 5 0 4k' -c 'read -b -P 7 1M 512' -c length -c map "$top"
  echo "exit=$?"
  qemu-img check t.qcow2; qemu-img map --output=json t.qcow2; stat -c %s t.qcow2
done
