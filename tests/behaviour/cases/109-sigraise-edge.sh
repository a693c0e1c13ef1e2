# sigraise 65 is accepted and does nothing; 0 does nothing; sleep accepts hex and octal
ulimit -c 0
$QIO -c 'sigraise 65' -c 'sigraise 0' -c 'sleep 0x5' -c 'sleep 010' -c 'sleep -1' -c 'help sleep'
echo "exit=$?"
