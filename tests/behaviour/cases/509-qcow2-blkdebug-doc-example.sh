# blkdebug on qcow2, the documentation's example: write 0 4k on blkdebug:blkdebug.cfg:tmp.qcow2 fails with errno 5, then 3
qemu-img create -q -f qcow2 tmp.qcow2 64M
$QIO -c 'write 0 4k' tmp.qcow2
echo "exit=$?"
for e in 5 3; do
  rm -f tmp.qcow2; qemu-img create -q -f qcow2 tmp.qcow2 64M
  printf '[inject-error]\nevent = "l2_update"\nerrno = "%s"\n' $e > blkdebug.cfg
  $QIO -c 'write 0 4k' blkdebug:blkdebug.cfg:tmp.qcow2
  echo "errno $e: exit=$?"
  qemu-img check tmp.qcow2
done
