# node names checked, auto-read-only taken, a pipe refused, json: words that are no keyword
mkimg 64k
mkfifo ff
$QIO -c 'open -o driver=raw,node-name=foo,file.node-name=a.b-c_d img' -c length -c 'reopen -o auto-read-only=on' -c length; echo "exit=$?"
$QIO -c 'open -o driver=raw,node-name=1foo img' -c 'open -o driver=raw,node-name= img' -c 'open -o driver=raw,node-name=abcdefghijabcdefghijabcdefghijabcdefghij img' -c 'open -o driver=raw,auto-read-only=x img'; echo "exit=$?"
$QIO -f raw -c length ff; echo "exit=$?"
$QIO -c length 'json:x'; $QIO -c length 'json:1'; $QIO -c length 'json:true'; $QIO -c length 'json:{"a":x}'; echo "exit=$?"
