// SPDX-License-Identifier: GPL-2.0
/*
 * clockprobe: print CLOCK_MONOTONIC, CLOCK_BOOTTIME and CLOCK_REALTIME,
 * read through the vDSO (clock_gettime()) and through the system call,
 * as seconds with nanoseconds on one line:
 *
 *   vdso MONO BOOT REAL sys MONO BOOT REAL
 *
 * Built static by tests/runtimes/lib.sh, so that it runs in a container
 * whose root filesystem holds nothing but busybox.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME };

static int show(const char *how, int raw)
{
	struct timespec ts;
	unsigned int i;

	printf("%s", how);
	for (i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		if (raw ? syscall(SYS_clock_gettime, clocks[i], &ts) :
			  clock_gettime(clocks[i], &ts)) {
			perror("clock_gettime");
			return 1;
		}
		printf(" %lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
	}
	return 0;
}

int main(void)
{
	if (show("vdso", 0) || show(" sys", 1))
		return 1;
	printf("\n");
	return 0;
}
