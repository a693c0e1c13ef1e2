# qcow2 backing options: backing=null (a node name: refused) and json null (no backing file: unallocated reads zeroes), backing.* to name another backing file or format, a missing backing file, a backing file name relative to the image's directory
mkdir sub
qemu-img create -q -f raw sub/base.raw 1M
qemu-io -f raw -c 'write -P 7 0 1M' sub/base.raw >/dev/null
qemu-img create -q -f raw other.raw 1M
qemu-io -f raw -c 'write -P 5 0 1M' other.raw >/dev/null
qemu-img create -q -f qcow2 -b base.raw -F raw sub/top.qcow2 1M
$QIO -c 'read -P 7 0 4k' -c 'write -P 1 4k 4k' -c 'read -P 7 8k 4k' sub/top.qcow2
$QIO -c 'open -o driver=qcow2,file.filename=sub/top.qcow2,backing=null' -c 'read -P 0 0 4k' -c 'read -P 1 4k 4k' -c 'read -P 0 8k 4k' -c 'map'
$QIO -c 'open -o driver=qcow2,file.filename=sub/top.qcow2,backing.file.filename=other.raw,backing.driver=raw' -c 'read -P 5 0 4k' -c 'read -P 1 4k 4k' -c 'write -P 2 100k 1k' -c 'read -P 5 101k 3k'
$QIO -c 'open -o driver=qcow2,file.filename=sub/top.qcow2,backing.driver=qcow2' -c 'read 0 4k'
echo "exit=$?"
mv sub/base.raw sub/gone.raw
$QIO -c 'read 0 4k' sub/top.qcow2
echo "exit=$?"
$QIO -c 'open -o driver=qcow2,file.filename=sub/top.qcow2,backing=null' -c 'read -P 0 0 4k'
echo "exit=$?"
qemu-img check sub/top.qcow2
$QIO -c 'read -P 0 0 4k' -c 'read -P 1 4k 4k' 'json:{"driver":"qcow2","file":{"driver":"file","filename":"sub/top.qcow2"},"backing":null}'
echo "exit=$?"
