# an open with several problems reports the one qemu meets first: the child opens before the format's own options are looked at; read-only against writing, copy-on-read, discard, detect-zeroes, node-name, offset come after; a child reference with child options is refused as a mix
mkimg 1M
for o in 'driver=raw,read-only=on nonexist' 'driver=raw,read-only=on,foo=bar img' 'driver=raw,read-only=on,file.foo=bar img' 'driver=raw,discard=bogus nonexist' 'driver=raw,detect-zeroes=bogus nonexist' 'driver=raw,node-name=1x nonexist' 'driver=raw,file.filename=nonexist,file.aio=native' 'driver=raw,file.filename=nonexist,offset=bogus' 'driver=raw,file.filename=img,offset=bogus,discard=bogus' 'driver=raw,file=nonexist,file.filename=img' 'driver=raw,detect-zeroes=unmap,discard=ignore img' 'driver=raw,detect-zeroes=unmap,discard=bogus img' 'driver=file,filename=img,foo=bar,read-only=on,force-share=on' 'driver=raw,file.filename=img,file.detect-zeroes=bogus' 'driver=raw,file.filename=nonexist,file.detect-zeroes=bogus'; do
  $QIO -c "open -o $o"
  echo "$o exit=$?"
done
$QIO -c 'open -i native -o driver=raw nonexist' -c 'open -i native -U -o driver=raw img' -c 'open -C -r -o driver=raw,foo=bar img' -c 'open -C -r -o driver=raw,discard=bogus img' -c 'open -C -o driver=raw,read-only=on nonexist'
echo "exit=$?"
$QIO -f raw -i native nonexist
echo "exit=$?"
# options for a child that name neither a driver nor a file
for j in '{"driver":"raw","file":{"aio":"threads"}}' '{"driver":"raw","file":{"driver":"blkdebug","image":{"x":1}}}' '{"driver":"raw","file":{"driver":"blkdebug","config":"nocfg"}}'; do
  $QIO "json:$j"
  echo "exit=$?"
done
$QIO -c 'open -o driver=raw,file.node-name=x' -c 'open -o file.x=1' -c 'open -o driver=blkdebug,image.x=1' -c 'open -o driver=blkdebug'
echo "exit=$?"
