# write -s repeats the file, even when it is longer than the write; a directory fails to read
mkimg 64k
printf '0123456789' > ten
head -c 3000 /dev/zero | tr '\0' 'Q' > long
mkdir adir
$QIO -f raw -c 'write -s ten 0 25' -c 'read -v 0 32' -c 'write -s long 100 10' -c 'read -v 96 16' -c 'write -s adir 0 8' -c 'write -q -s ten 1k 1k' -c 'read -v 2030 20' img
echo "exit=$?"
