# option strings as qemu's free-form lists read them: any "id" is refused before anything else (no warnings), "help" and "?" are flags without the short-form warning, "no" alone is the empty option off
mkimg 1M
for o in no help '?' nohelp 'id=foo' 'id=foo,driver=raw' 'driver=raw,id=x,file.filename=img' 'noid' 'driver=raw,id' 'noread-only' 'x,,y=1' 'a=1,,2'; do
  $QIO -f raw -c "reopen -o $o" img
  $QIO -c "open -o $o img"
  $QIO -c "open -o driver=raw,$o img"
  echo "$o exit=$?"
done
$QIO --image-opts 'driver=raw,file.filename=img,id=x' -c 'length'
echo "exit=$?"
