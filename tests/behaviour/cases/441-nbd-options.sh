# nbd client: --image-opts and open -o, and qemu's words for each mistake;
# no server listens
sock=$T/none.sock
for o in "driver=nbd" "driver=nbd,server.host=localhost" \
    "driver=nbd,server.type=foo" "driver=nbd,server.type=inet" \
    "driver=nbd,server.type=inet,server.host=localhost" \
    "driver=nbd,server.type=inet,server.port=1" "driver=nbd,server.type=unix" \
    "driver=nbd,server.type=unix,server.path=$sock,server.foo=1" \
    "driver=nbd,path=$sock,port=1" "driver=nbd,path=$sock,host=a" \
    "driver=nbd,path=$sock,server.type=unix" \
    "driver=nbd,path=$sock,export=e,reconnect-delay=abc" \
    "driver=nbd,path=$sock,open-timeout=x" "driver=nbd,path=$sock,tls-creds=x" \
    "driver=nbd,path=$sock,foo=bar" "driver=nbd,server.type=unix,server.path=$sock" \
    "driver=nbd,file.filename=nbd://localhost:1/x" \
    "driver=raw,file.filename=nbd+unix:///?socket=$sock" \
    "driver=raw,file.driver=nbd,file.path=$sock" ; do
  $QIO -c quit --image-opts "$o"
  echo "exit=$?"
done
$QIO -c "open -o driver=nbd,server.type=unix,server.path=$sock,export=$(printf %4097d 1 | tr ' ' a)"
$QIO -c "open -o driver=nbd,server.type=unix,server.path=$sock,export=a 1"
$QIO -c "open -o driver=nbd,server.type=unix,export=a,server.path=$sock 1"
