#!/bin/bash
# Boot B of the wall clock round trip (tests/criu-wall-migration).
#   1. Debian's criu restores the 2038 image, left stopped: note what
#      date its namespace gives (and kill it);
#   2. our criu restores it with --timens-wall freeze, left stopped: same;
#   3. our criu restores it (the default, carry), and it runs to its
#      verdict;
#   4. Debian's criu and ours, each run in a namespace that owns its wall
#      clock (timens-run --date +0d), restore the image that Debian's criu
#      made in boot A, left stopped;
#   5. our criu restores that image, and it runs to its verdict.
# usage: wall-restore-guest.sh WORKLOAD CRIU TIMENS_RUN
set -uo pipefail
OLDW=$1 CRIU=$2 RUN=$3 D=$VM_PERSIST/criu-wall
cd "$D" || exit 1

# restore_stopped NAME IMAGES OPTIONS CRIU...: restore IMAGES left
# stopped, note the restore's status, the namespace's offsets and the date
# a task of the namespace reads, then kill the restored tree.
restore_stopped() {
	local name=$1 img=$2 opts=$3 pid
	shift 3
	rm -rf "$D/$name-img" && cp -a "$D/$img" "$D/$name-img"
	# shellcheck disable=SC2086
	"$@" restore -D "$D/$name-img" -d -s -v4 -o "$D/$name-restore.log" \
		--pidfile "$D/$name.pid" $opts >"$D/$name-restore.out" 2>&1
	echo $? >"$D/$name.rc"
	pid=$(cat "$D/$name.pid" 2>/dev/null) || return 0
	cat "/proc/$pid/timens_offsets" >"$D/$name-offsets"
	date +%s.%N >"$D/$name-host"
	nsenter -t "$pid" --time date +%s.%N >"$D/$name-date"
	kill -9 "$pid"
}
restore_stopped debian new "" /usr/sbin/criu
restore_stopped freeze new "--timens-wall freeze" "$CRIU"
restore_stopped owning-debian old "" "$RUN" --date +0d -- /usr/sbin/criu
restore_stopped owning-ours old "" "$RUN" --date +0d -- "$CRIU"

date +%s.%N >"$D/host-b"
"$CRIU" restore -D "$D/new" -d -v4 -o "$D/new-restore.log" --pidfile "$D/new.pid"
echo $? >"$D/new.rc"
if pid=$(cat "$D/new.pid" 2>/dev/null); then
	cat "/proc/$pid/timens_offsets" >"$D/offsets-b"
	nsenter -t "$pid" --time date +%s.%N >"$D/carry-date"
	kill -USR1 "$pid"
fi

"$CRIU" restore -D "$D/old" -d -v4 -o "$D/old-restore.log" --pidfile "$D/old.pid"
echo $? >"$D/old.rc"
if pid=$(cat "$D/old.pid" 2>/dev/null); then
	"$OLDW" --clocks >"$D/hostclocks"
	kill -USR1 "$pid"
fi

# Each waits for its timers: at most some 40 s of namespace time.
for _ in $(seq 900); do
	[ "$(grep -c '^\(not \)\?ok ' "$D/wall.ktap" 2>/dev/null)" = 11 ] &&
		[ "$(grep -c '^\(not \)\?ok ' "$D/old.ktap" 2>/dev/null)" = 13 ] && break
	sleep 0.1
done
echo "restore: Debian's criu $(cat "$D/debian.rc"), ours --timens-wall freeze" \
	"$(cat "$D/freeze.rc"), ours $(cat "$D/new.rc"), ours of Debian's image $(cat "$D/old.rc");" \
	"in an owning namespace: Debian's $(cat "$D/owning-debian.rc"), ours $(cat "$D/owning-ours.rc")"
