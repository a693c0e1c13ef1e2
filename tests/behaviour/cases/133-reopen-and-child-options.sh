# reopen: unchanged drivers and names accepted, child keys named as the node knows them, -r/-w and -c against the options; cache and discard options on the file child
mkimg 64k
for c in "reopen -r -o read-only=on" "reopen -c none -o cache.direct=on" "reopen -c none -o cache.no-flush=on" "reopen -o driver=raw" "reopen -o driver=file" "reopen -o file.filename=img" "reopen -o file.filename=other" "reopen -o file.driver=file" "reopen -o file.x=1" "reopen -o file.cache.direct=off"; do
  $QIO -f raw img -c "$c" -c 'write -P 4 0 512'
  echo "$c exit=$?"
done
for o in file.cache.direct=on file.discard=unmap file.cache.no-flush=on file.cache.direct=x file.discard=x; do
  $QIO -c "open -o driver=raw,$o img" -c 'write -z -u 0 4k' -c flush
  echo "$o exit=$?"
done
