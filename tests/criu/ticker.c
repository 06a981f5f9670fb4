// SPDX-License-Identifier: GPL-2.0
/*
 * The process of the vDSO proxy rounds (tests/criu-proxy): it runs in a
 * time namespace, reads CLOCK_MONOTONIC through the vDSO and through the
 * system call every 20 ms, and on each SIGUSR1 (sent after a restore)
 * appends to REPORT one line: whether the clock ever went backward or
 * stepped more than BOUND seconds since the last report, and whether the
 * vDSO still agrees with the system call and reads namespace time.
 *
 * usage: ticker REPORT BOUND_SECONDS
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000LL

static volatile sig_atomic_t asked;

static void on_usr1(int sig __attribute__((unused)))
{
	asked = 1;
}

static int64_t read_clock(int vdso)
{
	struct timespec ts;

	if (vdso)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	else
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int main(int argc, char *argv[])
{
	int64_t last = 0, now, vd, sc, max_step = 0, bound;
	long backward = 0;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: %s REPORT BOUND_SECONDS\n", argv[0]);
		return 2;
	}
	bound = atoll(argv[2]) * NSEC_PER_SEC;
	setsid();
	signal(SIGUSR1, on_usr1);

	for (;;) {
		vd = read_clock(1);
		sc = read_clock(0);
		now = vd < sc ? vd : sc;
		if (last && now < last)
			backward++;
		if (last && now - last > max_step)
			max_step = now - last;
		last = vd > sc ? vd : sc;

		if (asked) {
			asked = 0;
			f = fopen(argv[1], "a");
			if (!f)
				return 3;
			fprintf(f, "%d %ld %.3f %.3f %.3f\n",
				backward == 0 && max_step <= bound &&
				llabs(vd - sc) < NSEC_PER_SEC / 2 &&
				vd > 1000000LL * NSEC_PER_SEC,
				backward, max_step / 1e9, vd / 1e9, sc / 1e9);
			fclose(f);
			backward = 0;
			max_step = 0;
		}
		usleep(20000);
	}
}
