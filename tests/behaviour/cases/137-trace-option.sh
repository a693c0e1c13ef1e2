# -T parsed as qemu parses it: implied enable=, last enable wins, disabling '-', events files with line numbers, unknown keys, short-form booleans
mkimg 64k
printf 'foo\nbar*\n-baz\n\n' > ev.txt
for t in '' , -bogus enable=a,enable=b x=y events=nonexist enable=a a,b enable= a,enable=b events=ev.txt; do
  $QIO -T "$t" -f raw -c length img
  echo "[$t] exit=$?"
done
