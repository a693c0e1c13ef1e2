# detect-zeroes: zero writes become zero writes (holes with unmap and discard=unmap), partial blocks, reopen, bad values
mkimg 1M
$QIO -f raw -c 'write -P 1 0 64k' img
$QIO -c 'open -o driver=raw,detect-zeroes=on img' -c 'write -P 0 0 16k' -c 'write -P 0 16k 1000' -c 'read -P 0 0 16k'; echo "exit=$?"
$QIO -c 'open -o driver=raw,detect-zeroes=unmap,discard=unmap img' -c 'write -P 0 32k 8k' -c 'read -P 0 32k 8k' -c 'write -P 3 40k 4k'; echo "exit=$?"
$QIO -f raw img -c 'reopen -o detect-zeroes=unmap' -c 'write -P 0 48k 4k' -c 'reopen -o detect-zeroes=x'; echo "exit=$?"
$QIO -c 'open -o driver=raw,detect-zeroes=bogus img'; echo "exit=$?"
