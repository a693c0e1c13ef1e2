# probing: no warning read-only; the warning before an error found after the raw driver opened; none for errors below it
mkimg 64k
$QIO -r -c 'read 0 512' img
echo "exit=$?"
$QIO -c 'open -r img' -c 'read 0 512'
echo "exit=$?"
$QIO -c 'open -o x=1 img' -c 'open -r -o x=1 img' -c 'open -o file.x=1 img' -c 'open nosuch' -c 'open -o =1 img'
echo "exit=$?"
$QIO --image-opts file.filename=img,y=2 -c 'read 0 512'
echo "exit=$?"
