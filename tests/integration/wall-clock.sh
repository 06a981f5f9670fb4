#!/bin/bash
# A time namespace's own wall clock, with unmodified tools: date under
# tools/timens-run, date -s and hwclock -w inside, and CRIU 3.17 dumping
# and restoring a task whose namespace owns its wall clock.  Runs in the
# guest as root (never on a host: date -s would set a host's clock where
# the kernel lacks the feature; timens-run refuses to start there).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=${TIMENS_TOOLS:-$here/../../build/tools}
run=$tools/timens-run
tmp=${TMPDIR:-/tmp}/wall-clock.$$
mkdir -p "$tmp"

n=0
ok() {	# ok STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	[ "$1" = 0 ] || echo "# ${3:-}"
	echo "$([ "$1" = 0 ] || echo "not ")ok $n $2"
}
# The host's REALTIME less its uptime: moves only if its clock is set.
host_wall() { awk -v u="$(cut -d' ' -f1 /proc/uptime)" -v r="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", r - u }'; }
# The year the task wrote last (it rewrites the file every 0.2 s).
read_year() {
	local y
	for _ in $(seq 30); do
		y=$(cat "$1" 2>/dev/null) && [ -n "$y" ] && { echo "$y"; return; }
		sleep 0.1
	done
}
# Within 5 s: a moved clock moves by years here, while under TCG on a busy
# machine the reads of uptime and date may lie a second or more apart.
unmoved() {
	local d
	d=$(awk -v a="$1" -v b="$(host_wall)" 'BEGIN { printf "%.3f", b - a }')
	echo "# host clock moved by $d s (REALTIME less uptime)"
	awk -v d="$d" 'BEGIN { exit !(d < 5 && d > -5) }'
}

echo "KTAP version 1"
echo "1..8"
if ! grep -qw 'vmrun=[^ ]*' /proc/cmdline; then
	echo "Bail out! not in the test guest: this test sets clocks"
	exit 1
fi

before=$(host_wall)
got=$("$run" --date '2038-01-19 03:14:00' date -u '+%F %H:%M' 2>&1)
case "$got" in "2038-01-19 03:14"|"2038-01-19 03:15") r=0 ;; *) r=1 ;; esac
ok $r "date under timens-run --date '2038-01-19 03:14:00' shows that date" "got: $got"
unmoved "$before"
ok $? "the host's date is unchanged ($(date -u '+%F %T'))"

got=$("$run" --date +0d sh -c 'date -s "2040-02-29 12:00:00" >/dev/null && date -u +%F' 2>&1)
[ "$got" = 2040-02-29 ]
ok $? "date -s inside an owning namespace moves that namespace" "got: $got"
unmoved "$before"
ok $? "date -s inside leaves the host's clock alone"

if command -v hwclock >/dev/null && [ -e /dev/rtc0 ]; then
	out=$("$run" --date +0d hwclock -w 2>&1)
	rc=$?
	[ "$rc" != 0 ]
	ok $? "hwclock -w inside an owning namespace fails" "rc $rc: $out"
else
	echo "ok $((n += 1)) hwclock -w inside an owning namespace fails # SKIP no hwclock or /dev/rtc0"
fi

# CRIU 3.17 knows the monotonic and boottime offsets only.
d=$tmp/criu && mkdir -p "$d/images"
cd "$d" || exit 1	# criu's parasite works in the task's cwd: a writable one
"$run" --date '2038-01-19 03:14:00' -m 1000 unshare --pid --fork setsid \
	sh -c 'while :; do date -u +%Y >"$0"; sleep 0.2; done' "$d/year" \
	</dev/null >/dev/null 2>&1 &
pid=
for _ in $(seq 50); do
	pid=$(pgrep -f "^sh -c while :; do date" | head -1) && [ -n "$pid" ] && break
	sleep 0.1
done
sleep 2
year_a=$(read_year "$d/year")
offs_a=$(tr '\n' '|' <"/proc/$pid/timens_offsets" 2>/dev/null)
if criu dump -t "$pid" -D "$d/images" -v4 -o "$d/dump.log" >/dev/null 2>&1; then
	dumped=yes
	if criu restore -D "$d/images" -d -v4 -o "$d/restore.log" --pidfile "$d/pid" >/dev/null 2>&1; then
		sleep 2
		rpid=$(cat "$d/pid")
		year_b=$(read_year "$d/year")
		offs_b=$(tr '\n' '|' <"/proc/$rpid/timens_offsets" 2>/dev/null)
		kill -9 "$rpid" 2>/dev/null
		restored=yes
	else
		restored="no: $(grep -m3 -i 'error' "$d/restore.log" | tr '\n' ' ')"
	fi
else
	dumped="no: $(grep -m3 -i 'error' "$d/dump.log" | tr '\n' ' ')"
	pkill -9 -f "^sh -c while :; do date" 2>/dev/null
fi
echo "# criu $(criu --version | head -1 | tr -d '\n'): before the dump the task saw $year_a, offsets ${offs_a:-?}"
echo "# dumped: $dumped; restored: ${restored:-not tried}; after: ${year_b:-?}, offsets ${offs_b:-?}"
# What we document: the dump and the restore work, the monotonic offset
# comes back, the realtime offset does not: the task sees the host's year.
[ "$year_a" = 2038 ]
ok $? "a task of an owning namespace, before the dump, sees 2038" "saw $year_a"
[ "$dumped" = yes ] && [ "${restored:-}" = yes ]
ok $? "criu 3.17 dumps and restores it"
host_year=$(date -u +%Y)
case "${offs_b:-}" in *realtime*) r=1 ;; *monotonic*) r=0 ;; *) r=1 ;; esac
[ "$r" = 0 ] && [ "${year_b:-}" = "$host_year" ]
ok $? "criu 3.17 does not carry the realtime offset: the restored task sees the host's year" \
	"saw ${year_b:-?}, host $host_year, offsets ${offs_b:-?}"
