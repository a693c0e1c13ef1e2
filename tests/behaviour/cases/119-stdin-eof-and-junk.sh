# stdin: blank and space-only lines, unknown commands, no trailing newline at EOF, commands before open
mkimg 64k
printf '\n   \nnope\nlength\nopen -o driver=raw img\nwrite -P 1 0 1\nread -P 1 0 1' | $QIO
rc=$?
echo
echo "exit=$rc"
printf 'help ?\n' | $QIO
rc=$?
echo
echo "exit=$rc"
