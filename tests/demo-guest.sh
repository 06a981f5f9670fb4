#!/bin/bash
# Runs in the guest for 'make demo' (scripts/demo), in two boots:
#   a: what a time namespace does, with util-linux's unshare, nsenter and
#      lsns; then a ticker in a time namespace is checkpointed with criu
#   b: a fresh boot restores the ticker, whose clock carries on
set -euo pipefail

D=$VM_PERSIST/demo
show() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }
uptime_of() { cut -d' ' -f1 /proc/uptime; }

phase_a() {
	echo "Kernel $(uname -r); clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	if [ ! -e /proc/self/ns/time ]; then
		echo "This kernel has no time namespaces (/proc/self/ns/time is missing)."
		exit 1
	fi

	echo
	echo "== Uptime: the host's, and a namespace's with +1 day boottime, +1 hour monotonic"
	printf '  %-28s %12s s\n' "host /proc/uptime:" "$(uptime_of)" \
		"namespace /proc/uptime:" \
		"$(unshare --time --boottime 86400 --monotonic 3600 --fork cut -d' ' -f1 /proc/uptime)"
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

	echo
	echo "== Past mainline: a namespace's own wall clock (tools/timens-run)"
	run=$(dirname "$0")/../build/tools/timens-run
	echo "host:                      $(date -u '+%F %T')"
	echo "timens-run --date 2038-01-19 03:14:00:  $("$run" --date '2038-01-19 03:14:00' date -u '+%F %T')"
	echo "timens-run --date -1y:     $("$run" --date -1y date -u '+%F %T')"
	show "$run" --date +0d sh -c 'date -s "2040-02-29 12:00:00" >/dev/null; date -u "+%F %T"; cat /proc/self/timens_offsets'
	echo "host, after date -s inside: $(date -u '+%F %T')"

	echo
	echo "== Checkpoint: a ticker in its own pid and time namespace (boottime +1 day)"
	rm -rf "$D" && mkdir -p "$D/images"
	cd "$D"
	# The ticker writes its own log, which criu checks at the restore.
	unshare --pid --time --fork --boottime 86400 setsid sh -c \
		'while :; do echo "namespace uptime $(cut -d" " -f1 /proc/uptime)"; sleep 1; done >"$0"' \
		"$D/ticker.log" </dev/null >/dev/null 2>&1 &
	sleep 4
	tick=$(pgrep -f '^sh -c while' | head -1)
	echo "host uptime $(uptime_of) s; the ticker says:"
	tail -3 "$D/ticker.log" | sed 's/^/  /'
	criu dump -t "$tick" -D "$D/images" -o "$D/dump.log"
	echo "dumped the ticker (criu dump -t $tick) at host uptime $(uptime_of) s; powering off"
}

phase_b() {
	cd "$D"
	echo "== Restore in a fresh boot, host uptime $(uptime_of) s"
	criu restore -D "$D/images" -d -o "$D/restore.log"
	sleep 3
	echo "the ticker's last lines before the dump and its first after the restore:"
	tail -6 "$D/ticker.log" | sed 's/^/  /'
	echo "host uptime $(uptime_of) s: the namespace's clock carried on from where it was"
	pkill -f '^sh -c while' || true
}

"phase_$1"
