#!/bin/bash
# Boot A of the CRIU round trip (tests/criu-migration): wait until this
# boot's uptime is clearly ahead of what a fresh boot will show, start the
# workload in a new pid and time namespace with offsets, let it run, and
# dump it with criu into the persistent shared directory.
set -uo pipefail
W=$1 CRIU=${2:-criu} D=$VM_PERSIST/criu-migration
rm -rf "$D" && mkdir -p "$D/images"
cd "$D" || exit 1

# A fresh boot reaches this point at about the uptime this one has now
# (some 10 s on the vm kernel, 40 s on the debug one).
until=$(($(cut -d. -f1 /proc/uptime) + 40))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$until" ]; do sleep 1; done

# The workload's output goes to a file of its own, which nothing else
# writes: criu checks its size at the restore.
unshare --pid --time --fork --monotonic 1000000 --boottime 2000000 \
	sh -c 'exec "$0" "$@" >"$1.out" 2>&1' \
	"$W" "$D/report.ktap" "$D/hostclocks" 10 </dev/null >"$D/unshare.out" 2>&1 &
for _ in $(seq 50); do
	pid=$(pgrep -f "^$W $D/report.ktap" | head -1) && [ -n "$pid" ] && break
	sleep 0.1
done
[ -n "${pid:-}" ] || { echo "dump: the workload did not start"; cat "$D/workload.out"; exit 1; }
sleep 5

cut -d' ' -f1 /proc/uptime >"$D/uptime-a"
cat "/proc/$pid/timens_offsets" >"$D/offsets-a"
if ! "$CRIU" dump -t "$pid" -D "$D/images" -v4 -o "$D/dump.log"; then
	echo "dump: criu dump failed"; tail -20 "$D/dump.log"; exit 1
fi
echo "dump: workload $pid dumped at uptime $(cat "$D/uptime-a")"
