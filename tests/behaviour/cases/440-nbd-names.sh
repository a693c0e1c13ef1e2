# nbd client: file names qemu reads as NBD URIs and the older nbd: form, and
# what each bad one is told; no server listens
sock=$T/none.sock
for name in "nbd+unix:///x?socket=$sock" "nbd+unix:///x" "nbd:" "nbd://" \
    "nbd+unix://host/x?socket=/a" "nbd+foo:///x" "nbd://h:badport/x" \
    "nbd://h/x?socket=/a" "nbd+unix:///x?foo=bar" "nbd+unix:///x?socket=/a&b=c" \
    "nbd:unix:$sock" "nbd:unix:$sock:exportname=x" "nbd:localhost" \
    "nbd+unix:///a%2fb?socket=$T/no%6ee" "nbd:unix:$sock:exportname=" \
    "nbd+tcp://h:1/x?" "nbd://127.0.0.1:1/x"; do
  $QIO -c quit "$name"
  echo "exit=$?"
done
$QIO -c 'open -o export=y nbd://localhost:1/x'
$QIO -c "open -o server.path=/y nbd:unix:$sock"
$QIO -f raw -c quit "nbd+unix:///x?socket=$sock"
echo "exit=$?"
