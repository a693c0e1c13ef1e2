# format probing warns once per open; unknown formats and missing files fail the start-up with exit 1
mkimg 64k
$QIO -c 'length' img
echo "exit=$?"
$QIO -f qcow2x -c 'length' img
echo "exit=$?"
$QIO -c 'length' nothere
echo "exit=$?"
$QIO -c 'open nothere' -c 'open img' -c 'open img' -c 'length'
echo "exit=$?"
