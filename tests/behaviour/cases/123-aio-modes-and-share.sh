# native aio needs O_DIRECT; force-share needs read-only; io_uring and threads work
mkimg 64k
$QIO -f raw -i native -c length img
echo "exit=$?"
$QIO -f raw -k -n -c 'write -P 1 0 4k' -c 'read -P 1 0 4k' img
echo "exit=$?"
$QIO -f raw -i threads -c length img
echo "exit=$?"
$QIO -f raw -U -c length img
echo "exit=$?"
$QIO -f raw -U -r -c length img
echo "exit=$?"
$QIO -c 'open -U -r -o driver=raw,force-share=off img' -c length
echo "exit=$?"
$QIO -c 'open -k -o driver=raw img' -c length
echo "exit=$?"
