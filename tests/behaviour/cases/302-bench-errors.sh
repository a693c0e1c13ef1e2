# bench: qemu-img bench's complaints about bad values, and a failed request (past the end, a short image, blkdebug EIO) ends the run with exit 1
#@ skip-map
mkimg 64k
mkimg 10k short
printf '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "8"\n' > eio.cfg
for o in "-c x" "-c -1" "-c 2147483648" "-c 5x" "-d x" "-d 2147483648" \
         "-s x" "-s 3G" "-s 2g" "-S x" "-S -1" "-S 3G" "-o x" "-o -1" \
         "-o 8E" "--pattern 256" "--pattern x" "--pattern -1" \
         "--flush-interval x" "--flush-interval 10" \
         "-w --flush-interval 10" "-w -d 4 --flush-interval 3"; do
  echo "== $o"
  qbench -c 10 $o img; echo "exit=$?"
done
qbench -o 1T -c 5 img; echo "exit=$?"
qbench -c 5 -d 1 short; echo "exit=$?"
qbench -c 100 -d 4 blkdebug:eio.cfg:img; echo "exit=$?"
qbench -w -c 100 -d 4 blkdebug:eio.cfg:img; echo "exit=$?"
