#@ timeout 120
# qcow2 compressed clusters (zlib and zstd): write -c packs clusters byte by byte, incompressible data becomes a normal cluster, reads of compressed clusters (also from qemu-img convert -c), COW over them, zero and discard of them, errors at write_compressed, read_compressed, cluster_alloc_bytes, l2_update_compressed
for ct in zlib zstd; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 -o compression_type=$ct t.qcow2 4M
  $QIO -c 'write -c -P 3 0 64k' -c 'write -c -P 4 64k 64k' -c 'write -c -P 5 128k 128k' -c 'write -c -s /dev/zero 256k 64k' -c 'read -P 3 0 64k' -c 'read -P 4 64k 64k' -c 'read -P 5 128k 128k' -c 'write -P 6 4k 4k' -c 'read -P 3 0 4k' -c 'read -P 6 4k 4k' -c 'read -P 3 8k 56k' -c 'write -c 4k 64k' -c 'write -c 0 4k' -c 'write -c 320k 4M' -c 'write -z 64k 64k' -c 'discard 128k 64k' -c 'read -P 0 64k 128k' -c 'read -P 5 192k 64k' -c 'write -c -P 7 4032k 64k' -c 'info' t.qcow2
  echo "$ct exit=$?"
  qemu-img check t.qcow2
  qemu-img map --output=json t.qcow2
done
rm -f t.qcow2 src.qcow2
qemu-img create -q -f qcow2 src.qcow2 1M
qemu-io -c 'write -P 9 0 512k' -c 'write -P 8 700k 100k' src.qcow2 > /dev/null
qemu-img convert -c -O qcow2 src.qcow2 t.qcow2
$QIO -c 'read -P 9 0 512k' -c 'read -P 0 512k 188k' -c 'read -P 8 700k 100k' -c 'readv -P 9 100 1k 3k' -c 'write -P 1 600k 100k' -c 'read -P 8 700k 100k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
for ev in write_compressed read_compressed cluster_alloc_bytes l2_update_compressed; do
  rm -f t.qcow2; qemu-img create -q -f qcow2 t.qcow2 1M
  printf '[inject-error]\nevent = "%s"\nerrno = "5"\n' $ev > b.cfg
  $QIO -c 'write -c -P 1 0 64k' -c 'write -c -P 2 64k 64k' -c 'read -P 1 0 64k' -c 'read -P 2 64k 64k' blkdebug:b.cfg:t.qcow2
  echo "$ev: exit=$?"
  qemu-img check t.qcow2 2>&1
  sha256sum t.qcow2
done
$QIO -f raw -c 'write -c 0 64k' t.qcow2
