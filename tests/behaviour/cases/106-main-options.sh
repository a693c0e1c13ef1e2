# command-line option errors: bad modes, -f with --image-opts, --image-opts opening by options
mkimg 64k
$QIO -f raw -i bogus img
echo "exit=$?"
$QIO -f raw -d bogus img
echo "exit=$?"
$QIO -f raw -t bogus img
echo "exit=$?"
$QIO -f raw --image-opts img
echo "exit=$?"
$QIO --image-opts driver=raw,file.filename=img -c length -c 'write -P 3 0 512' -c 'read -P 3 0 512'
echo "exit=$?"
$QIO -f raw -r -c 'write 0 1' -c 'length' img
echo "exit=$?"
