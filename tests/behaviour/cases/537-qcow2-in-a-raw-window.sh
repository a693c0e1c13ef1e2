# qcow2 inside a raw window (offset without size, on a sector and off one): guest writes, the VM state and full and falloc truncation grow the window and the file under it
#@ timeout 60
for off in 65536 100; do
  rm -f t.qcow2 w.img; qemu-img create -q -f qcow2 t.qcow2 4M
  head -c $off /dev/zero > w.img; cat t.qcow2 >> w.img; rm t.qcow2
  J='json:{"driver":"qcow2","file":{"driver":"raw","offset":'$off',"file":{"driver":"file","filename":"w.img"}}}'
  $QIO -c 'write -P 1 0 64k' -c 'write -P 2 1M 100k' -c 'write -b -P 3 0 1k' -c 'truncate -m full 6M' -c 'write -P 4 5M 64k' -c 'truncate -m falloc 7M' -c length -c map -c 'read -P 4 5M 64k' -c 'read -b -P 3 0 1k' "$J"
  echo "$off exit=$?"
  qemu-img check "$J"; stat -c %s w.img
done
