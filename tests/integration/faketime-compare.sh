#!/bin/bash
# Debian's faketime (libfaketime, an LD_PRELOAD library) against
# timens-run --date (a time namespace with its own CLOCK_REALTIME): the
# same programs, the same target date, what each program sees.  Runs in the
# guest as root.  Prints KTAP; also writes the comparison as markdown to
# $VM_PERSIST/faketime-compare.md when VM_PERSIST is set.
#
# Only timens-run's column is asserted.  libfaketime's is reported: what
# an LD_PRELOAD library cannot reach (static binaries, raw vDSO calls as Go
# makes them) is the point of the comparison, not a failure.  Speed is
# reported and never judged.
#
# Binaries: tests/build compiles tools/timens-run.c and
# tests/faketime-compare/probe.c into build/tools (TIMENS_TOOLS overrides).
set -uo pipefail
export TZ=UTC	# one reading of DATE for faketime's date(1) and for timens-run

here=$(cd "$(dirname "$0")" && pwd)
TOOLS=${TIMENS_TOOLS:-$here/../../build/tools}
DATE='2038-01-19 03:14:00'
TARGET=2147483640	# DATE in seconds since the epoch
TOL=10			# seconds: a slow guest takes a while to exec
TN=$TOOLS/timens-run
PROBE=$TOOLS/fc-probe

echo "KTAP version 1"
echo "1..10"
for f in "$TN" "$PROBE" "$TOOLS/fc-probe-static"; do
	[ -x "$f" ] || { echo "Bail out! $f missing: run tests/build"; exit 1; }
done
have_faketime=0
command -v faketime >/dev/null && have_faketime=1
in_guest=0
tr ' ' '\n' </proc/cmdline | grep -q '^vmrun=' && in_guest=1

n=0
ok() {	# ok STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	[ "$1" = 0 ] || [ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
	echo "$([ "$1" = 0 ] || echo "not ")ok $n $2"
}
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

val() { sed -n "s/^$1=//p" <<<"$2" | head -1; }	# val KEY OUTPUT
within() { awk -v a="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(a >= lo && a <= hi) }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }
utc() { date -u -d "@${1%.*}" '+%F %T'; }
num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

# run ft|tn CMD...: run CMD under faketime or timens-run.  Sets OUT (its
# output, stderr included), RC, and FAILED, a table cell when the tool
# itself did not get CMD running, else empty.
run() {
	local tool=$1
	shift
	FAILED=
	if [ "$tool" = ft ]; then
		if [ $have_faketime = 0 ]; then
			OUT='' RC=127 FAILED="not run (faketime not installed)"
			return
		fi
		OUT=$(faketime "$DATE" "$@" 2>&1)
	else
		OUT=$("$TN" --date "$DATE" "$@" 2>&1)
	fi
	RC=$?
	if [ "$tool" = tn ] && [ $RC = 125 ]; then
		if grep -q 'no per-namespace CLOCK_REALTIME' <<<"$OUT"; then
			FAILED="no: kernel has no per-namespace CLOCK_REALTIME"
		else
			FAILED="no: timens-run failed (exit 125)"
		fi
	fi
}

# reading VALUE: CELL describes a clock reading; 0 if it is the target.
reading() {
	local v=$1 d
	if ! num "$v"; then
		CELL="no: ${v:-no reading}"
		return 1
	fi
	d=$(minus "$v" "$TARGET")
	if within "$d" -"$TOL" "$TOL"; then
		CELL="yes, $(utc "$v") ($d s)"
		return 0
	fi
	CELL="no, $(utc "$v")"
	within "$(minus "$v" "$(date +%s.%N)")" -"$TOL" "$TOL" && CELL+=" (the real clock)"
	return 1
}

# Table rows, in case order; the KTAP results follow the order of running.
declare -A FT TN
ROWS=(dyn static vdso timerfd nanosleep settime hostclock child-static child-dyn)
declare -A NAME=(
	[dyn]="1 dynamic binary, clock_gettime() via libc"
	[static]="2 static binary, clock_gettime() via libc"
	[vdso]="3 raw vDSO call (__vdso_clock_gettime, as Go)"
	[timerfd]="4 timerfd, CLOCK_REALTIME, ABSTIME at now + 2 s"
	[nanosleep]="4 clock_nanosleep(TIMER_ABSTIME) to now + 1 s"
	[settime]="5 clock_settime(now + 1 day) inside: reads it"
	[hostclock]="5 ... the guest's real clock stays put"
	[child-static]="6 fork + exec of a static child"
	[child-dyn]="6 fork + exec of a dynamic child"
)

# A clock reading: cases 1-3.  check_reading ROW PROBE SUBCOMMAND KEY
check_reading() {
	local row=$1 probe=$2 cmd=$3 key=$4 tool st diag=
	for tool in ft tn; do
		run $tool "$probe" "$cmd"
		if [ -n "$FAILED" ]; then
			CELL=$FAILED st=1 diag=$OUT
		else
			reading "$(val "$key" "$OUT")"
			st=$?
			[ $st = 0 ] || diag="${OUT:-exit $RC, no output}"
		fi
		[ $tool = ft ] && FT[$row]=$CELL || TN[$row]=$CELL
	done
	ok $st "timens-run: ${NAME[$row]#? } sees $DATE" "$diag"
}

# A timer: case 4.  check_timer ROW SUBCOMMAND LOW: works if the program
# read the target date and its timer fired after LOW s, within the probe's
# 6 s wait.
check_timer() {
	local row=$1 cmd=$2 low=$3 tool st diag='' t
	for tool in ft tn; do
		run $tool "$PROBE" "$cmd"
		st=1 diag="${OUT:-exit $RC, no output}"
		t=$(val "$cmd" "$OUT")
		if [ -n "$FAILED" ]; then
			CELL=$FAILED
		elif ! reading "$(val now "$OUT")"; then
			:	# CELL says what it read
		elif [[ $t == none* ]]; then
			CELL="no: did not fire within ${t#none } s"
		elif ! num "$t"; then
			CELL="no: ${t:-no result}"
		elif within "$t" "$low" 6; then
			CELL="yes, after $t s" st=0 diag=
		else
			CELL="no: fired after $t s"
		fi
		[ $tool = ft ] && FT[$row]=$CELL || TN[$row]=$CELL
	done
	ok $st "timens-run: ${NAME[$row]#? } fires on time" "$diag"
}

# Case 6: the program runs a static and a dynamic copy of the probe.
check_children() {
	local tool row key diag=
	for tool in ft tn; do
		run $tool "$PROBE" children
		for key in static dyn; do
			row=child-$key
			[ $key = dyn ] && key=dynamic
			if [ -n "$FAILED" ]; then
				CELL=$FAILED
			else
				reading "$(val $key "$OUT")"
			fi
			[ $tool = ft ] && FT[$row]=$CELL || TN[$row]=$CELL
		done
		[ $tool = tn ] && diag=$OUT
	done
	for row in child-static child-dyn; do
		[[ ${TN[$row]} == yes* ]]
		ok $? "timens-run: ${NAME[$row]#? } sees $DATE" "$diag"
	done
}

# Case 7: ns per clock_gettime(CLOCK_REALTIME), the same probe three ways.
declare -A COST
check_cost() {
	local how st=0 diag=
	for how in plain ft tn; do
		if [ $how = plain ]; then
			OUT=$("$PROBE" cost 2>&1) FAILED=
		else
			run $how "$PROBE" cost
		fi
		COST[$how]=$(val ns "$OUT")
		if [ -n "$FAILED" ] || ! num "${COST[$how]}"; then
			COST[$how]="n/a"
			[ $how = ft ] ||
				st=1 diag+="${OUT:-$how: no output}"$'\n'
		fi
	done
	ok $st "clock_gettime(CLOCK_REALTIME) cost measured plain and under timens-run" \
		"${diag%$'\n'}"
}

# Case 5, in the guest only: the program sets the wall clock, a plain
# process outside watches the real clock (REALTIME - BOOTTIME), and puts it
# back if it moved.
realboot() { val realboot "$("$PROBE" realboot)"; }
check_settime() {
	local tool row st_set=1 st_host=1 diag_set='' diag_host='' before after moved b a d
	if [ $in_guest = 0 ]; then
		for row in settime hostclock; do
			FT[$row]="not run (not in the test guest)"
			TN[$row]=${FT[$row]}
		done
		skip "timens-run: clock_settime inside sets the namespace's clock" \
			"not in the test guest (no vmrun= in /proc/cmdline): never sets a clock here"
		skip "timens-run: clock_settime inside leaves the real clock alone" \
			"not in the test guest"
		return
	fi
	for tool in ft tn; do
		before=$(realboot)
		run $tool "$PROBE" settime
		after=$(realboot)
		moved=$(minus "$after" "$before")
		if [ -n "$FAILED" ]; then
			CELL=$FAILED
		else
			b=$(val before "$OUT") a=$(val after "$OUT")
			if [ "$(val settime "$OUT")" != 0 ]; then
				CELL="no: clock_settime: $(val settime "$OUT")"
			elif num "$a" && num "$b" && d=$(minus "$a" "$b") &&
			     within "$d" $((86400 - TOL)) $((86400 + TOL)); then
				CELL="yes, reads $(utc "$a")"
				[ $tool = tn ] && st_set=0
			else
				CELL="no, reads $(utc "${a:-0}") (wanted $(utc "${b:-0}") + 1 day)"
			fi
		fi
		[ $tool = ft ] && FT[settime]=$CELL || TN[settime]=$CELL
		[ $tool = tn ] && [ $st_set != 0 ] && diag_set=$OUT

		if ! within "$moved" -1 1; then
			# Put the guest's clock back where it would be.
			"$PROBE" shift "$(awk -v m="$moved" 'BEGIN { printf "%.9f", -m }')" >/dev/null
			CELL="no: moved by $moved s ($(awk -v m="$moved" 'BEGIN { printf "%+.1f", m / 86400 }') days; put back: now $(minus "$(realboot)" "$before") s off)"
			[ $tool = tn ] && diag_host="the real clock moved by $moved s"
		elif [ -n "$FAILED" ]; then
			CELL=$FAILED	# unmoved, but nothing ran to move it
			[ $tool = tn ] && diag_host=$OUT
		else
			CELL="yes"
			[ $tool = tn ] && st_host=0
		fi
		[ $tool = ft ] && FT[hostclock]=$CELL || TN[hostclock]=$CELL
	done
	ok $st_set "timens-run: clock_settime inside sets the namespace's clock" "$diag_set"
	ok $st_host "timens-run: clock_settime inside leaves the real clock alone" "$diag_host"
}

check_reading dyn "$PROBE" now now
check_reading static "$TOOLS/fc-probe-static" now now
check_reading vdso "$PROBE" vdso vdso
check_timer timerfd timerfd 1.5
check_timer nanosleep nanosleep 0.5
check_children
check_cost
check_settime	# last: libfaketime may move the guest's clock

# The tables: KTAP diagnostics and, for the README, markdown.
ratio() {
	num "$1" && num "${COST[plain]}" &&
		awk -v a="$1" -v b="${COST[plain]}" 'BEGIN { printf "%.2fx", a / b }'
}
declare -A HOW=([plain]="plain (no tool)" [ft]=libfaketime [tn]="timens-run --date")
ftver=$(dpkg-query -W -f '${Version}' faketime 2>/dev/null || echo unknown)
w0=0 w1=11
for row in "${ROWS[@]}"; do
	[ ${#NAME[$row]} -le "$w0" ] || w0=${#NAME[$row]}
	[ ${#FT[$row]} -le "$w1" ] || w1=${#FT[$row]}
done
{
	echo "kernel $(uname -r), faketime $ftver, target $DATE UTC"
	printf '%-*s | %-*s | %s\n' "$w0" case "$w1" libfaketime timens-run
	for row in "${ROWS[@]}"; do
		printf '%-*s | %-*s | %s\n' "$w0" "${NAME[$row]}" "$w1" "${FT[$row]}" "${TN[$row]}"
	done
	echo
	printf '%-*s | %-11s | %s\n' "$w0" "7 clock_gettime(CLOCK_REALTIME)" "ns per call" "vs plain"
	for how in plain ft tn; do
		printf '%-*s | %-11s | %s\n' "$w0" "  ${HOW[$how]}" "${COST[$how]}" \
			"$(ratio "${COST[$how]}")"
	done
} | sed 's/^/# /'

if [ -n "${VM_PERSIST:-}" ]; then
	{
		echo "<!-- written by tests/integration/faketime-compare.sh -->"
		echo "Kernel $(uname -r), Debian faketime $ftver, target date $DATE UTC."
		echo
		echo "| case | libfaketime | timens-run |"
		echo "|---|---|---|"
		for row in "${ROWS[@]}"; do
			echo "| ${NAME[$row]} | ${FT[$row]} | ${TN[$row]} |"
		done
		echo
		echo "| clock_gettime(CLOCK_REALTIME) | ns per call | vs plain |"
		echo "|---|---|---|"
		for how in plain ft tn; do
			echo "| ${HOW[$how]} | ${COST[$how]} | $(ratio "${COST[$how]}") |"
		done
	} >"$VM_PERSIST/faketime-compare.md" &&
		echo "# written to $VM_PERSIST/faketime-compare.md"
fi
exit 0
