# The file driver's locking option and force-share, alone in a process:
# values, what a reopen may not change, force-share's checks.
mkimg 1M
$QIO --image-opts driver=file,filename=img,locking=on -c 'write 0 512'
$QIO --image-opts driver=file,filename=img,locking=off -c 'write 0 512'
$QIO --image-opts driver=file,filename=img,locking=auto -c 'read 0 512'
$QIO --image-opts driver=file,filename=img,locking=bogus -c 'read 0 512'
$QIO --image-opts driver=file,filename=img,locking= -c 'read 0 512'
$QIO --image-opts driver=raw,file.filename=img,file.locking=off \
  -c 'reopen -o file.locking=off' -c 'reopen -o file.locking=on' \
  -c 'reopen -o file.locking=auto' -c 'read 0 512'
$QIO -f raw img -c 'reopen -o file.locking=off' -c 'reopen -o locking=on'
$QIO -U -f raw img -c 'read 0 512'
$QIO -r -U -f raw img -c 'read 0 512' -c 'reopen -w' -c 'write 0 512'
$QIO -r --image-opts driver=raw,file.filename=img,force-share=on -c 'read 0 512'
$QIO --image-opts driver=raw,file.filename=img,force-share=on -c 'read 0 512'
$QIO -r --image-opts driver=raw,file.filename=img,file.force-share=on -c 'read 0 512'
$QIO --image-opts driver=raw,file.filename=img,file.force-share=on -c 'read 0 512'
$QIO -r -U --image-opts driver=raw,file.filename=img,force-share=off -c 'read 0 512'
$QIO -c 'open -r -U img' -c 'read 0 512' -c close -c 'open -U img'
echo "exit $?"
