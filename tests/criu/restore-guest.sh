#!/bin/bash
# Boot B of the CRIU round trip: restore the workload dumped in boot A,
# give it the host clocks, signal it, and wait for its verdict.
set -uo pipefail
W=$1 CRIU=${2:-criu} D=$VM_PERSIST/criu-migration
cd "$D" || exit 1

cut -d' ' -f1 /proc/uptime >"$D/uptime-b"
if ! "$CRIU" restore -D "$D/images" -d -v4 -o "$D/restore.log" --pidfile "$D/pid"; then
	echo "restore: criu restore failed"; tail -20 "$D/restore.log"; exit 1
fi
pid=$(cat "$D/pid")
sleep 1
cat "/proc/$pid/timens_offsets" >"$D/offsets-b"
"$W" --clocks >"$D/hostclocks"
kill -USR1 "$pid"
# The timers fire up to 30 s of namespace time after the workload's start.
for _ in $(seq 600); do
	[ "$(grep -c '^\(not \)\?ok ' "$D/report.ktap" 2>/dev/null)" = 13 ] && break
	sleep 0.1
done
echo "restore: workload $pid restored at uptime $(cat "$D/uptime-b")"
