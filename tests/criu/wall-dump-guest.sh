#!/bin/bash
# Boot A of the wall clock round trip (tests/criu-wall-migration): start
# two workloads, each in a new pid and time namespace, and dump them into
# the persistent shared directory:
#   - tests/criu/wallclock.c, at 2038 (a namespace that owns its wall
#     clock) with a monotonic offset, dumped by our criu (new/);
#   - tests/criu/workload.c, with monotonic and boottime offsets only,
#     dumped by Debian's criu (old/), for our criu to restore in boot B.
# usage: wall-dump-guest.sh WALLCLOCK WORKLOAD TIMENS_RUN CRIU
set -uo pipefail
W=$1 OLDW=$2 RUN=$3 CRIU=$4 D=$VM_PERSIST/criu-wall
rm -rf "$D" && mkdir -p "$D/new" "$D/old"
cd "$D" || exit 1	# criu's parasite works in the task's cwd: a writable one

# The bound on a clock's step across the move is 30 s: under TCG on a busy
# machine criu's dump alone has taken 20 s.  Each workload's output goes
# to a file of its own, which nothing else
# writes: criu checks its size at the restore.
"$RUN" --date '2038-01-19 03:14:00' -m 1000000 -- unshare --pid --fork \
	sh -c 'exec "$0" "$@" >"$1.out" 2>&1' "$W" "$D/wall.ktap" 30 45 \
	</dev/null >"$D/wall-run.out" 2>&1 &
unshare --pid --time --fork --monotonic 1000000 --boottime 2000000 \
	sh -c 'exec "$0" "$@" >"$1.out" 2>&1' "$OLDW" "$D/old.ktap" "$D/hostclocks" 30 \
	</dev/null >"$D/old-run.out" 2>&1 &
for _ in $(seq 50); do
	wpid=$(pgrep -f "^$W $D/wall.ktap" | head -1)
	opid=$(pgrep -f "^$OLDW $D/old.ktap" | head -1)
	[ -n "$wpid" ] && [ -n "$opid" ] && break
	sleep 0.1
done
if [ -z "$wpid" ] || [ -z "$opid" ]; then
	echo "dump: the workloads did not start"
	cat "$D"/*.out
	exit 1
fi
sleep 3

cat "/proc/$wpid/timens_offsets" >"$D/offsets-a"
date +%s.%N >"$D/host-a"
"$CRIU" dump -t "$wpid" -D "$D/new" -v4 -o "$D/new-dump.log"
echo $? >"$D/new-dump.rc"
/usr/sbin/criu dump -t "$opid" -D "$D/old" -v4 -o "$D/old-dump.log"
echo $? >"$D/old-dump.rc"
echo "dump: our criu $(cat "$D/new-dump.rc"), Debian's criu $(cat "$D/old-dump.rc");" \
	"host date at the dump $(cat "$D/host-a")"
