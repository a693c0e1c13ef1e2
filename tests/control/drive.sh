#!/bin/sh
# drive.sh — steer a running blkmon from a shell script with blkmon ctl.
#
# A headless blkmon runs a write workload (bench, in the foreground of its
# command line) on a blkdebug stack and takes commands on a control
# socket.  This script, while the workload runs: arms a breakpoint, waits
# for a write to park at it, looks at it, lets it go; adds an error rule
# and checks that a write then failed with its errno; deletes the rule;
# changes the blkdebug state; and finally quits, which ends the workload
# and the process (exit 0, the socket file removed).
#
#     BLKMON=path/to/blkmon tests/control/drive.sh [DIR]
set -eu
B=${BLKMON:-blkmon}
D=${1:-$(mktemp -d /tmp/blkmon-drive.XXXXXX)}
S=unix:$D/ctl.sock
fail() { echo "drive.sh: $*" >&2; exit 1; }

truncate -s 64M "$D/img"
"$B" --headless --control "$S" --events "$D/events.json" \
    --image-opts "driver=raw,file.driver=blkdebug,file.image.filename=$D/img" \
    -c 'bench -w -d 4 -s 4k --time 120 --keep-going' \
    </dev/null >"$D/out.txt" 2>"$D/err.txt" &
pid=$!
i=0
while [ ! -S "$D/ctl.sock" ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "no control socket"; sleep 0.05
done

# Arm, wait (with a timeout: the exit status says whether it fired).
"$B" ctl "$S" 'break write_aio A' >/dev/null
"$B" ctl "$S" 'wait_break A 10000' || fail "no write parked at A"
"$B" ctl "$S" rules | grep -q "suspended request 'A'" ||
    fail "rules does not list the parked request"
# A wait that cannot fire times out, and says so in the exit status.
if "$B" ctl "$S" 'wait_break nosuchtag 200' 2>"$D/wait.err"; then
    fail "wait_break on a tag nobody uses succeeded"
fi
grep -q ETIMEDOUT "$D/wait.err" || fail "wait_break's failure is not ETIMEDOUT"
"$B" ctl "$S" 'resume A' >/dev/null || fail "resume A failed"

# Edit the rules: the next write fails with ENOSPC, once.
out=$("$B" ctl "$S" 'rule add inject-error event=write_aio errno=28 once=on')
id=${out#added rule }
[ "$id" -gt 0 ] 2>/dev/null || fail "rule add said '$out'"
i=0
until grep -q '"errno":"ENOSPC"' "$D/events.json"; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "no write failed with ENOSPC"; sleep 0.05
done
# Once: the rule is gone after it acted.
"$B" ctl "$S" "rule del $id" >/dev/null 2>&1 &&
    fail "a once rule still exists after it acted"
"$B" ctl "$S" 'state 7' | grep -qx 'state 7' || fail "state 7"

# The workload is still running: requests keep ending.
n1=$(grep -c '"event":"request"' "$D/events.json" || true)
"$B" ctl "$S" 'sleep 300' >/dev/null
n2=$(grep -c '"event":"request"' "$D/events.json" || true)
[ "$n2" -gt "$n1" ] || fail "the workload stopped ($n1 -> $n2 requests)"

"$B" ctl "$S" quit >/dev/null || fail "quit"
wait $pid || fail "blkmon exited $?"
[ ! -e "$D/ctl.sock" ] || fail "the socket file is left behind"
echo "drive.sh: ok ($n2 requests seen)"
