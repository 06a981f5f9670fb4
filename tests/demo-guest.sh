#!/bin/bash
# Runs in the guest for 'make demo': shows a person what a time namespace
# does, with util-linux's unshare, nsenter and lsns.
set -euo pipefail

show() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }

echo "Kernel $(uname -r); clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
if [ ! -e /proc/self/ns/time ]; then
	echo "This kernel has no time namespaces (/proc/self/ns/time is missing)."
	exit 1
fi

echo
echo "== Uptime: the host's, and a namespace's with +1 day boottime, +1 hour monotonic"
host=$(cut -d' ' -f1 /proc/uptime)
ns=$(unshare --time --boottime 86400 --monotonic 3600 --fork cut -d' ' -f1 /proc/uptime)
printf '  %-28s %12s s\n' "host /proc/uptime:" "$host" "namespace /proc/uptime:" "$ns"
show unshare --time --boottime 86400 --monotonic 3600 --fork \
	sh -c 'cat /proc/self/timens_offsets; uptime'

echo
echo "== A namespace is entered and listed like any other"
unshare --time --monotonic 7200 --fork sleep 30 &
sleep 1
pid=$(pgrep -n -x sleep)
show lsns -t time
show nsenter --time --target "$pid" cat /proc/self/timens_offsets
kill "$pid" 2>/dev/null || true
