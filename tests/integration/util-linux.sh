#!/bin/bash
# util-linux, unmodified from Debian, against our kernel: unshare --time
# with offsets, nsenter --time into another task's namespace, lsns -t time.
# Runs in the guest as root.  Prints KTAP.
set -uo pipefail

n=0
ok() {	# ok COND-STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	[ "$1" = 0 ] || echo "# ${3:-}"
	echo "$([ "$1" = 0 ] || echo "not ")ok $n $2"
}
# close A B TOLERANCE: |A - B| <= TOLERANCE (decimals)
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; }

echo "KTAP version 1"
echo "1..7"
if [ ! -e /proc/self/ns/time ]; then
	echo "Bail out! no time namespaces in this kernel (/proc/self/ns/time missing)"
	exit 1
fi

host=$(cut -d' ' -f1 /proc/uptime)
ns=$(unshare --user --time --monotonic 3600 --boottime 86400 --fork cut -d' ' -f1 /proc/uptime)
want=$(awk -v h="$host" 'BEGIN { print h + 86400 }')
close "$ns" "$want" 5
ok $? "unshare --user --time --boottime 86400: /proc/uptime is ahead by a day" \
	"host $host, namespace $ns, want about $want"

offs=$(unshare --time --monotonic 3600 --boottime 86400 --fork cat /proc/self/timens_offsets)
want=$(printf '%-10s %10s %9s\n%-10s %10s %9s' monotonic 3600 0 boottime 86400 0)
[ "$offs" = "$want" ]
ok $? "unshare --time: timens_offsets shows what unshare wrote" "got: $(echo "$offs" | tr '\n' '|')"

mono=$(unshare --time --monotonic 7200 --fork cut -d' ' -f1 /proc/uptime)
close "$mono" "$(cut -d' ' -f1 /proc/uptime)" 5
ok $? "a monotonic offset alone leaves /proc/uptime (boottime) alone" "got $mono"

# A long-lived task in a namespace, to enter and to list.
unshare --time --monotonic 100000 --boottime 200000 --fork sleep 60 &
runner=$!
target=
for _ in $(seq 50); do
	target=$(pgrep -P "$runner" -x sleep) && break
	sleep 0.1
done
[ -n "$target" ]
ok $? "a task runs in a new time namespace" "no sleep child of $runner"

inside=$(nsenter --time --target "$target" cut -d' ' -f1 /proc/uptime)
want=$(awk -v h="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print h + 200000 }')
close "$inside" "$want" 5
ok $? "nsenter --time --target: the entered task reads the namespace's uptime" \
	"inside $inside, want about $want"

ino=$(stat -L -c %i "/proc/$target/ns/time")
lsns -t time -n -o NS,TYPE,PID | grep -q "^ *$ino *time "
ok $? "lsns -t time lists the namespace ($ino)" "$(lsns -t time)"

lsns -t time -n -o NS | grep -q "^ *4026531834$"
ok $? "lsns -t time lists the initial namespace by its inode 0xEFFFFFFA" "$(lsns -t time)"

kill "$target" 2>/dev/null
wait "$runner" 2>/dev/null
exit 0
