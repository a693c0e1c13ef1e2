# qcow2 open: qemu's checks and messages for damaged headers, unsupported features (named from the image's table), corrupt images (read-only works), options a qcow2 node does not take
#@ timeout 120
mk() { rm -f t.qcow2; qemu-img create -q -f qcow2 ${1:+-o $1} t.qcow2 16M; }
poke() { printf "$2" | dd of=t.qcow2 bs=1 seek=$1 conv=notrunc status=none; }
try() { $QIO -f qcow2 "$@" -c 'read -P 0 0 4k' t.qcow2; echo "exit=$?"; }
mk; poke 0 'QFIX'; try
mk; poke 4 '\0\0\0\4'; try
mk; poke 4 '\0\0\0\1'; try
mk; poke 20 '\0\0\0\x08'; try
mk; poke 20 '\0\0\0\x16'; try
mk; poke 100 '\0\0\0\x60'; try
mk; poke 100 '\0\1\0\0'; try
mk; poke 8 '\0\0\0\0\0\1\0\1'; try
mk; poke 72 '\0\0\0\0\0\0\0\x80'; try
mk; poke 72 '\0\0\0\x10\0\0\0\x20'; try
mk; poke 72 '\0\0\0\0\0\0\0\x02'; try; try -r
mk; poke 96 '\0\0\0\7'; try
mk; poke 56 '\0\0\0\0'; try
mk; poke 48 '\0\0\0\0\0\0\1\1'; try
mk; poke 36 '\0\0\0\0'; try
mk; poke 36 '\x10\0\0\0'; try
mk; poke 104 '\1'; try
mk; poke 104 '\2'; try
mk; poke 32 '\0\0\0\3'; try
mk compat=0.10; $QIO -c 'open -o driver=qcow2,lazy-refcounts=on,file.filename=t.qcow2'; echo "exit=$?"
mk; $QIO -c 'open -o driver=qcow2,frobnicate=1,file.filename=t.qcow2'; echo "exit=$?"
mk; $QIO -c 'open -o driver=qcow2,data-file=x,file.filename=t.qcow2'; echo "exit=$?"
mk; $QIO -c 'open -o driver=qcow2,encrypt.format=luks,file.filename=t.qcow2'; echo "exit=$?"
