# The file driver takes regular files only; the device drivers take
# character and block devices only (iotest 226's checks and more).
mkimg 1M
mkdir dir
mkfifo fifo
for drv in file host_device host_cdrom; do
  echo "== $drv"
  $QIO -c "open -r -o driver=$drv,filename=dir"
  $QIO -c "open -o driver=$drv,filename=dir"
  $QIO -c "open -r -o driver=$drv,filename=/dev/null,locking=off" -c 'info'
  $QIO -c "open -o driver=$drv,filename=img" -c 'info'
  $QIO -c "open -o driver=$drv,filename=fifo" -c 'info'
  $QIO -c "open -o driver=$drv,filename=missing"
done
echo "== raw over file"
$QIO --image-opts driver=raw,file.driver=file,file.filename=/dev/null -c info
$QIO -r -f raw dir -c info
$QIO -f raw dir -c info
$QIO -f raw fifo -c info
echo "exit $?"
