# open: unknown option, missing -o argument, extra operands, merged -o options, a bad key, bare keys
mkimg 64k
$QIO -c 'open -x img' -c 'open -o' -c 'open -o driver=raw img extra' -c 'open -o driver=raw -o driver=raw img' -c 'length' -c 'close' -c 'open -o driver=raw -o file.x=1 img' -c 'length'
echo "exit=$?"
$QIO -c 'open -o driver=raw -t none -d ignore -i threads -r img' -c info -c 'write 0 1' -c 'c' -c 'o -o driver=raw img' -c 'length'
echo "exit=$?"
$QIO -f raw -c 'open img' img
echo "exit=$?"
$QIO -c 'open -o nofoo,driver=raw img' -c 'open -o driver=raw,bar img' -c 'open -o driver=raw img' -c 'reopen -o baz' -c 'truncate -- -' -c 'truncate -m off x'
echo "exit=$?"
