# blkdebug limit values as qemu's size parser reads them: fractions, hex, suffixes, out of range
mkimg 64k
for v in 1.5k 4096.0 4096.5 0.5k 1.k 1.5 0x1000 0x1.8k 1e3 4096b 15E 16E; do
  $QIO -c "open -o driver=raw,file.driver=blkdebug,file.image.filename=img,file.max-transfer=$v" -c 'read -P 0 0 64k'
  echo "$v exit=$?"
done
