# The volatile write cache that a power cut loses.  Writes wait in it, in
# memory, for a flush; reads see them at once (read -P) and so do map and
# extents, which ask through the stack.  The image file has them only
# after a flush: a process that dies ("sigraise 9", no clean close)
# leaves the file without the cached write (run 1) but with the flushed
# one (run 2).
# A clean close writes the cache back (run 3), as a disk does at shutdown.
# Without a cache there is nothing to lose: powercut refuses (run 4); in
# the default writethrough mode every write is flushed, so a cut loses
# none (run 5).  A killed run's status is 128 + 9.
mkimg 1M
BD='open -t writeback -o driver=raw,file.driver=blkdebug,file.image.filename=img'
holes() {  # the data extents of the image file itself
  python3 -c "
import os
fd, off, size, out = os.open('img', os.O_RDONLY), 0, os.path.getsize('img'), []
while off < size:
    try: d = os.lseek(fd, off, os.SEEK_DATA)
    except OSError: break
    h = os.lseek(fd, d, os.SEEK_HOLE); out.append('%d+%d' % (d, h - d)); off = h
print('file data:', ' '.join(out) or 'none')"
}
killed() {  # run, and keep the shell's "Killed" notice out of stderr
  sh -c '"$@"; exit $?' sh "$@" 2>/dev/null
}
killed $QIO -c "$BD" -c 'rule add write-cache' -c 'write -P 1 64k 4k' -c 'read -P 1 64k 4k' \
  -c 'map' -c 'extents 60k 12k' -c 'sigraise 9' 
echo "run 1 exit=$?"
holes
killed $QIO -c "$BD" -c 'rule add write-cache' -c 'write -P 2 128k 4k' -c 'flush' \
  -c 'write -P 3 192k 4k' -c 'sigraise 9' 
echo "run 2 exit=$?"
holes
$QIO -c "$BD" -c 'rule add write-cache' -c 'write -P 4 256k 4k' -c 'quit'
echo "run 3 exit=$?"
holes
$QIO -c "$BD" -c 'powercut'
echo "run 4 exit=$?"
$QIO -c 'open -o driver=raw,file.driver=blkdebug,file.image.filename=img' \
  -c 'rule add write-cache' -c 'write -P 5 320k 4k' -c 'powercut' -c 'read -P 5 320k 4k'
echo "run 5 exit=$?"
