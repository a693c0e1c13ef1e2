# json: file names: blkdebug rules in arrays, dotted and nested keys, single quotes, options given apart, errors
mkimg 64k
$QIO -c 'read 0 512' 'json:{"driver":"raw","file":{"driver":"blkdebug","inject-error":[{"event":"read_aio","errno":5,"once":true}],"image":{"driver":"file","filename":"img"}}}' -c 'read 0 512'; echo "exit=$?"
$QIO -c 'write -P 9 0 4k' 'json:{"driver":"raw","file.driver":"file","file.filename":"img"}'; echo "exit=$?"
$QIO -c 'read -P 9 0 4k' "json:{'file':{'driver':'file','filename':'img'}}"; echo "exit=$?"
$QIO -c 'open -o driver=raw json:{"file":{"driver":"file","filename":"img"}}' -c length; echo "exit=$?"
$QIO -c length 'json:{"driver":"raw","file":{"driver":"file","filename":"img","x":null}}'; echo "exit=$?"
$QIO -c length 'json:'; $QIO -c length 'json:[1]'; $QIO -c length 'json:{"driver":"raw",'; $QIO -c length 'json:{"driver":"raw" "x"}'; $QIO -c length 'json:{"driver":"raw"} x'; echo "exit=$?"
