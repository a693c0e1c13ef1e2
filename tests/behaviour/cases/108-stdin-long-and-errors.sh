# stdin script: aio completions around prompts, quit with arguments, help from stdin
mkimg 64k
printf 'aio_write -P 7 0 512\naio_flush\nread -P 7 0 512\nhelp flush\nsleep 1\nq please\nlength\n' | $QIO -f raw img
rc=$?
echo
echo "exit=$rc"
