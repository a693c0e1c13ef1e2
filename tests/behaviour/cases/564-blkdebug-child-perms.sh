# blkdebug's take-child-perms and unshare-child-perms: checked as qemu
# checks them (the locks they make are tests/locking's).
mkimg 1M
$QIO --image-opts driver=blkdebug,image.filename=img,take-child-perms.0=bogus -c 'read 0 1'
$QIO --image-opts driver=blkdebug,image.filename=img,take-child-perms=write -c 'read 0 1'
$QIO --image-opts driver=blkdebug,image.filename=img,take-child-perms.1=write -c 'read 0 1'
$QIO --image-opts driver=blkdebug,image.filename=img,unshare-child-perms.0=write,unshare-child-perms.2=resize -c 'read 0 1'
$QIO --image-opts driver=blkdebug,image.filename=img,take-child-perms.0=resize,take-child-perms.1=write-unchanged,unshare-child-perms.0=write,unshare-child-perms.1=consistent-read -c 'read 0 1' -c 'write 0 1'
$QIO -r --image-opts driver=blkdebug,image.filename=img,take-child-perms.0=write -c 'read 0 1'
$QIO --image-opts driver=blkdebug,image.filename=img,take-child-perms.x=write -c 'read 0 1'
echo "exit $?"
