# qcow2 with an external data file: opened from the header's name or from options, qemu's refusals, data in the data file (raw or not), map, info, truncate, blkdebug under the data file
qemu-img create -q -f qcow2 -o data_file=t.data t.qcow2 4M
$QIO -c 'write -P 1 64k 128k' -c 'write -P 2 1M 4k' -c 'discard 64k 64k' -c 'write -z 2M 64k' -c 'write -c 3M 64k' -c 'read -P 2 1M 4k' -c 'read -P 1 128k 64k' -c 'read -P 0 64k 64k' -c 'map' -c 'info' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2; sha256sum t.qcow2 t.data
# blkmon's extents -j prints what qemu-img map prints
if [[ "$QIO" == *blkmon* ]]; then $QIO -r -c 'extents -j' t.qcow2; else qemu-img map --output=json t.qcow2; fi
$QIO -c 'open -o data-file.filename=t.data t.qcow2' -c 'read -P 2 1M 4k' -c close -c 'open -o data-file.filename=nope t.qcow2' -c 'open -o data-file=nope t.qcow2'
qemu-img amend -q -o data_file= t.qcow2
$QIO -c 'read 0 4k' t.qcow2
$QIO -c 'open -o data-file.filename=t.data t.qcow2' -c 'read -P 2 1M 4k' -c 'truncate 8M' -c 'truncate -m metadata 9M' -c 'length' -c 'write -P 3 8M 64k' -c 'truncate 6M' -c 'info'
echo "exit=$?"
qemu-img check t.qcow2 2>&1 | head -3; ls -l t.data | awk '{print $5}'; sha256sum t.qcow2 t.data
# an image without one refuses one
qemu-img create -q -f qcow2 u.qcow2 4M
$QIO -c 'open -o data-file.filename=t.data u.qcow2' -c 'open -o data-file.filename=nope u.qcow2' -c 'open -o data-file=nope u.qcow2'
# data_file_raw: the data file reads as the disk
rm -f t.qcow2 t.data
qemu-img create -q -f qcow2 -o data_file=t.data,data_file_raw=on t.qcow2 4M
$QIO -c 'write -P 1 1M 2M' -c 'discard 2M 1M' -c 'write -z 1M 64k' -c 'truncate 6M' -c 'write -P 4 5M 64k' -c 'map' -c 'info' t.qcow2
echo "exit=$?"
qemu-img check t.qcow2
if [[ "$QIO" == *blkmon* ]]; then $QIO -r -c 'extents -j' t.qcow2; else qemu-img map --output=json t.qcow2; fi
qemu-io -f raw -c 'read -P 0 1M 64k' -c 'read -P 1 1088k 960k' -c 'read -P 4 5M 64k' t.data
sha256sum t.qcow2 t.data
# blkdebug under the data file: data I/O passes it, metadata does not
printf '[inject-error]\nevent = "pwritev"\nerrno = "5"\n' > b.cfg
$QIO -c 'write -P 5 0 4k' -c 'flush' -c 'read -P 1 1M 4k' "json:{'driver':'qcow2','file':{'driver':'file','filename':'t.qcow2'},'data-file':{'driver':'blkdebug','config':'b.cfg','image':{'driver':'file','filename':'t.data'}}}"
echo "exit=$?"
qemu-img check t.qcow2 2>&1 | head -3
