#!/bin/bash
# One boot of the vDSO proxy rounds (tests/criu-proxy).
#   proxy-guest.sh TICKER start     start the ticker in a new pid and time
#                                   namespace and dump it (images-1)
#   proxy-guest.sh TICKER N [last]  restore images-(N-1), count its [vvar]
#                                   and [vdso] mappings, have it report its
#                                   clocks, and dump it again (images-N)
# Results go to $VM_PERSIST/criu-proxy/rounds, one line per round.
set -uo pipefail
T=$1 round=$2 D=$VM_PERSIST/criu-proxy
maps() { grep -cE '\[(vvar|vdso)\]' "/proc/$1/maps"; }

if [ "$round" = start ]; then
	rm -rf "$D" && mkdir -p "$D"
	cd "$D" || exit 1
	unshare --pid --time --fork --monotonic 1000000 --boottime 2000000 \
		"$T" "$D/report" 10 </dev/null >/dev/null 2>&1 &
	for _ in $(seq 50); do
		pid=$(pgrep -f "^$T $D/report" | head -1) && [ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "${pid:-}" ] || { echo "proxy: the ticker did not start"; exit 1; }
	sleep 2
	echo "start $(maps "$pid") all-maps:$(wc -l <"/proc/$pid/maps")" >>"$D/rounds"
	mkdir -p "$D/images-1"
	criu dump -t "$pid" -D "$D/images-1" -o dump.log || { tail "$D/images-1/dump.log"; exit 1; }
	exit 0
fi

cd "$D" || exit 1
prev=$((round - 1))
rm -f "$D/pid"
criu restore -D "$D/images-$prev" -d -v4 -o restore.log --pidfile "$D/pid" ||
	{ tail "$D/images-$prev/restore.log"; exit 1; }
pid=$(cat "$D/pid")
sleep 1
lines=$(wc -l <"$D/report" 2>/dev/null || echo 0)
kill -USR1 "$pid"
for _ in $(seq 100); do
	[ "$(wc -l <"$D/report" 2>/dev/null || echo 0)" -gt "$lines" ] && break
	sleep 0.1
done
if grep -q "mismatches dumpee, generate proxy" "$D/images-$prev/restore.log"; then
	proxy=proxy
elif grep -q "matches dumpee, remap inplace" "$D/images-$prev/restore.log"; then
	proxy=inplace
else
	proxy=unknown
fi
report="0 no-report-after-restore"
[ "$(wc -l <"$D/report" 2>/dev/null || echo 0)" -gt "$lines" ] && report=$(tail -1 "$D/report")
echo "$round $(maps "$pid") $report vdso:$proxy all-maps:$(wc -l <"/proc/$pid/maps")" >>"$D/rounds"
grep -E '\[(vvar|vdso)\]' "/proc/$pid/maps" | sed "s/^/# round $round: /"
if [ "${3:-}" = last ]; then
	kill -9 "$pid"
	exit 0
fi
mkdir -p "$D/images-$round"
criu dump -t "$pid" -D "$D/images-$round" -o dump.log || { tail "$D/images-$round/dump.log"; exit 1; }
