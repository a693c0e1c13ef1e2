# bench: qemu-img bench's first lines for every option it has, read and write, flushes drained or not, number forms
#@ skip-map
#@ timeout 60
mkimg 1M
qbench -c 100 img; echo "exit=$?"
qbench -c 50 -d 4 -s 8k -S 16k -o 4k img; echo "exit=$?"
qbench -w -c 60 -d 4 --pattern 0x5a img; echo "exit=$?"
qbench -w -c 60 -d 4 -o 512k --flush-interval 8 img; echo "exit=$?"
qbench -w -c 60 -d 4 -o 768k --flush-interval=8 --no-drain img; echo "exit=$?"
qbench -w -c 10 -d 2 --flush-interval 0 img; echo "exit=$?"
qbench -q -c 10 -d 1 img; echo "exit=$?"
qbench -c 0 img; echo "exit=$?"
qbench -s 0 -c 10 img; echo "exit=$?"
qbench -c 0x10 -d 010 img; echo "exit=$?"
qbench -s 1.5k -S 0 -c 5 img; echo "exit=$?"
qbench -s 0x1k -c 5 img; echo "exit=$?"
qbench --pat=1 --no-d -c 5 -o 511 img; echo "exit=$?"
qbench -c 20 -d 3 -s 4k -S 2k img; echo "exit=$?"
