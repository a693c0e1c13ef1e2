# qcow2: cluster sizes 512 B to 2 MiB and refcount widths 1 to 64 bits
#@ timeout 120
for o in cluster_size=512,refcount_bits=1 cluster_size=512,refcount_bits=64 cluster_size=4k,refcount_bits=2 cluster_size=16k,refcount_bits=8 cluster_size=2M,refcount_bits=32 cluster_size=64k,refcount_bits=4; do
  rm -f t.qcow2
  qemu-img create -q -f qcow2 -o $o t.qcow2 8M
  $QIO -c 'write -P 1 0 4k' -c 'write -P 2 5000 70k' -c 'write -P 3 7M 1M' -c 'read -P 2 5000 70k' -c 'read -P 3 7M 1M' t.qcow2
  echo "$o exit=$?"
  qemu-img check t.qcow2
  qemu-img map --output=json t.qcow2
  sha256sum t.qcow2
done
