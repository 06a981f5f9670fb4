# shellcheck shell=bash
# Shared by tests/integration/{crun,lxc,podman}.sh: KTAP helpers, a tiny
# root filesystem (static busybox and tests/runtimes/clockprobe.c) and the
# clock readings the tests compare.  Sourced; runs in the guest as root.

runtimes_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
n=0
ok() {	# ok STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	[ "$1" = 0 ] || echo "# ${3:-}"
	echo "$([ "$1" = 0 ] || echo "not ")ok $n $2"
}
# within X LO HI: LO <= X <= HI, with 0.02 s for /proc/uptime's rounding
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo - 0.02 && x <= hi + 0.02) }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a - b }'; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# The guest's REALTIME less its uptime: moves only if its clock is set.
host_wall() { awk -v u="$(uptime_s)" -v r="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", r - u }'; }
unmoved() { awk -v a="$1" -v b="$(host_wall)" 'BEGIN { d = a - b; exit !(d < 1 && d > -1) }'; }
# probe_field LINE NAME: one reading of a clockprobe line
# ("vdso MONO BOOT REAL sys MONO BOOT REAL"); NAME is vdso_mono, sys_real...
probe_field() {
	local i
	case "$2" in
	vdso_mono) i=2 ;; vdso_boot) i=3 ;; vdso_real) i=4 ;;
	sys_mono) i=6 ;; sys_boot) i=7 ;; sys_real) i=8 ;;
	esac
	echo "$1" | awk -v i="$i" '$1 == "vdso" { print $i; exit }'
}
# offsets_of TEXT: timens_offsets with its columns squeezed, lines joined by |
offsets_of() { echo "$1" | awk 'NF == 3 { printf "%s%s %s %s", s, $1, $2, $3; s = "|" }'; }

# These tests set clocks inside containers: only in the test guest.
require_guest() {
	if ! grep -qw 'vmrun=[^ ]*' /proc/cmdline; then
		echo "Bail out! not in the test guest: this test sets clocks"
		exit 1
	fi
	if [ ! -e /proc/self/ns/time ]; then
		echo "Bail out! no time namespaces in this kernel (/proc/self/ns/time missing)"
		exit 1
	fi
}
# require COMMAND PACKAGE: a missing runtime fails the test (scripts/deps
# installs it)
require() {
	command -v "$1" >/dev/null && return
	echo "Bail out! $1 missing: scripts/deps installs Debian's $2"
	exit 1
}

# make_rootfs DIR: busybox, its applets and clockprobe, nothing else.
# clockprobe is compiled once per boot (gcc takes half a minute under TCG)
# and kept in $TMPDIR under the hash of its source, for the other tests.
PROBE=
make_rootfs() {
	local d=$1 a src=$runtimes_dir/clockprobe.c
	if [ -z "$PROBE" ]; then
		PROBE=${TMPDIR:-/tmp}/clockprobe-$(sha256sum "$src" | cut -c1-16)
		if [ ! -x "$PROBE" ]; then
			gcc -O2 -Wall -static -o "$PROBE.$$" "$src" && mv "$PROBE.$$" "$PROBE" || {
				echo "Bail out! cannot build $src (gcc, libc6-dev)"
				exit 1
			}
		fi
	fi
	mkdir -p "$d"/bin "$d"/proc "$d"/dev "$d"/sys "$d"/tmp "$d"/etc "$d"/run
	cp /bin/busybox "$d/bin/busybox" || {
		echo "Bail out! no /bin/busybox: scripts/deps installs busybox-static"
		exit 1
	}
	for a in sh cat date sleep echo readlink; do
		ln -sf busybox "$d/bin/$a"
	done
	cp "$PROBE" "$d/bin/clockprobe"
}
