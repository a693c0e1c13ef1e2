# qcow2: extended L2 entries (subclusters): partial writes allocate subclusters, zero subclusters, reads
qemu-img create -q -f qcow2 -o extended_l2=on,cluster_size=64k t.qcow2 16M
$QIO -c 'write -P 1 4k 4k' -c 'write -P 2 70k 10k' -c 'write -z 8k 4k' -c 'write -z 0 64k' -c 'write -P 3 200k 2k' -c 'read -P 0 0 64k' -c 'read -P 2 70k 10k' -c 'read -P 0 64k 6k' -c 'read -P 3 200k 2k' -c 'write -z 1M 2k' -c 'discard 192k 64k' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
qemu-img map --output=json t.qcow2
