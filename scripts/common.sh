# shellcheck shell=bash
# Shared settings for the scripts in this directory.  Sourced, not run.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}

# The kernel source: Debian's linux-source-6.12, pinned.  This is the one
# place that names the version.
LINUX_SOURCE_PKG=linux-source-6.12
LINUX_SOURCE_VERSION=6.12.117-1~deb12u1
LINUX_TARBALL=/usr/src/linux-source-6.12.tar.xz
LINUX_SUBLEVEL=${LINUX_SOURCE_VERSION#6.12.}
LINUX_SUBLEVEL=${LINUX_SUBLEVEL%%-*}

TREE=$BUILD/tree		# git work tree: pristine, base, series
PRISTINE_TOOLS=$BUILD/pristine	# tools/ and friends of the pristine tarball
VMSHARE=$BUILD/vmshare		# writable share with the guest, persists

# The kernel flavour decides the config fragments and the object directory.
KFLAVOUR=${KFLAVOUR:-vm}
OBJ=$BUILD/obj/$KFLAVOUR

export CCACHE_BASEDIR=$BUILD
export KBUILD_BUILD_USER=timens KBUILD_BUILD_HOST=timens
export KBUILD_BUILD_TIMESTAMP='Sun Nov 22 00:00:00 UTC 2026'

say() { printf '[%s] %s\n' "$(basename "$0")" "$*"; }
die() { printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

jobs_for_make() { echo $(($(nproc) + 1)); }

# A hash of what patches/base/ and patches/ hold, to tell when the tree
# must be brought in line with them.
patches_hash() {
	local d p
	for d in "$TOP/patches/base" "$TOP/patches"; do
		echo "== $d"
		[ -f "$d/series" ] || continue
		{ grep -v '^\s*\(#\|$\)' "$d/series" || true; } | while read -r p; do
			[ -f "$d/$p" ] || die "$d/series lists $p, which does not exist"
			echo "$p $(sha1sum <"$d/$p")"
		done
	done | sha1sum | cut -d' ' -f1
}
TREE_STAMP=$TREE/.git/timens-stamp
