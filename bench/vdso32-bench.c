// SPDX-License-Identifier: GPL-2.0
/*
 * vdso32-bench: the 32-bit vDSO (vdso32.so) of the running kernel, in a
 * static -m32 process of a booted guest: hot calls of each clock, on the
 * host and in a time namespace with offsets, interleaved over rounds.
 * Under TCG the figures are indicative only: ratios within one boot.
 * The namespace's offsets are those of vdso-bench: monotonic
 * +1000000.123456789 s, boottime +2000000.987654321 s; with "wall", the
 * namespace also owns its wall clock (realtime +86400.5 s), where the
 * kernel can.  Prints "R" lines and a markdown table.
 *
 * Build: gcc -m32 -static -O2 vdso32-bench.c parse_vdso.c
 * Usage: vdso32-bench [ROUNDS [CALLS]]
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse_vdso.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct kts64 { long long tv_sec; long long tv_nsec; };
typedef int (*cgt64_fn)(clockid_t, struct kts64 *);
typedef long (*time_fn)(long *);

static const struct { const char *name; int id; } clocks[] = {
	{ "MONOTONIC", CLOCK_MONOTONIC },
	{ "BOOTTIME", CLOCK_BOOTTIME },
	{ "REALTIME", CLOCK_REALTIME },
	{ "TAI", CLOCK_TAI },
	{ "MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE },
	{ "REALTIME_COARSE", CLOCK_REALTIME_COARSE },
	{ "MONOTONIC_RAW", CLOCK_MONOTONIC_RAW },
	{ "time()", -1 },
};
#define NCLK (int)(sizeof(clocks) / sizeof(clocks[0]))

static cgt64_fn cgt;
static time_fn vtime;
static struct kts64 sink;

static long long mono_ns(void)
{
	struct kts64 t;

	cgt(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* calls per second of @n calls of clock @k */
static double hot(int k, long n)
{
	long long t0 = mono_ns(), t;
	int id = clocks[k].id;

	if (id < 0)
		for (long i = 0; i < n; i++)
			vtime(NULL);
	else
		for (long i = 0; i < n; i++)
			cgt(id, &sink);
	t = mono_ns() - t0;
	return n * 1e9 / (double)t;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* In a child that is in a fresh namespace (or not): measure, write results */
static void measure(int fd, int rounds, long n)
{
	double v[NCLK][64];

	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < NCLK; k++)
			v[k][r] = hot(k, n);
	for (int k = 0; k < NCLK; k++) {
		double m = median(v[k], rounds);

		if (write(fd, &m, sizeof(m)) != sizeof(m))
			_exit(3);
	}
}

static int write_offsets(const char *s)
{
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* case 0: host; 1: namespace; 2: namespace owning its wall clock */
static int run_case(int c, int rounds, long n, double *out)
{
	int p[2], st;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (c) {
			if (unshare(CLONE_NEWTIME))
				_exit(2);
			if (write_offsets("monotonic 1000000 123456789\nboottime 2000000 987654321\n"))
				_exit(2);
			if (c == 2 && write_offsets("realtime 86400 500000000\n"))
				_exit(4);
			pid = fork();
			if (pid) {
				waitpid(pid, &st, 0);
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 5);
			}
		}
		measure(p[1], rounds, n);
		_exit(0);
	}
	close(p[1]);
	for (int k = 0; k < NCLK; k++)
		if (read(p[0], &out[k], sizeof(out[k])) != sizeof(out[k]))
			out[k] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9, outer = 5, rc[3];
	long n = argc > 2 ? atol(argv[2]) : 20000;
	static const char * const cname[3] = { "host", "ns", "ns+wall" };
	double res[3][NCLK], acc[3][NCLK][16];

	if (rounds < 1 || rounds > 64 || n < 1) {
		fprintf(stderr, "usage: vdso32-bench [ROUNDS [CALLS]]\n");
		return 2;
	}
	vdso_init_from_sysinfo_ehdr(getauxval(AT_SYSINFO_EHDR));
	cgt = (cgt64_fn)vdso_sym("LINUX_2.6", "__vdso_clock_gettime64");
	vtime = (time_fn)vdso_sym("LINUX_2.6", "__vdso_time");
	if (!cgt || !vtime) {
		printf("R skip no-32-bit-vdso\n");
		return 1;
	}
	/* interleave: each outer pass runs all three cases */
	for (int o = 0; o < outer; o++)
		for (int c = 0; c < 3; c++) {
			rc[c] = run_case(c, rounds, n, res[c]);
			for (int k = 0; k < NCLK; k++)
				acc[c][k][o] = res[c][k];
		}
	printf("| clock | host M calls/s | ns M calls/s | ns/host | ns owning its wall clock M calls/s | that/host |\n|---|---|---|---|---|---|\n");
	for (int k = 0; k < NCLK; k++) {
		double h = median(acc[0][k], outer), s = median(acc[1][k], outer);
		double w = rc[2] == 0 ? median(acc[2][k], outer) : 0;

		printf("| %s | %.2f | %.2f | %.3f |", clocks[k].name, h / 1e6, s / 1e6, s / h);
		if (rc[2] == 0)
			printf(" %.2f | %.3f |\n", w / 1e6, w / h);
		else
			printf(" — | — |\n");
	}
	printf("\n");
	for (int k = 0; k < NCLK; k++)
		for (int c = 0; c < 3; c++)
			if (rc[c] == 0)
				printf("R vdso32 clock=%s case=%s mcalls=%.3f\n", clocks[k].name,
				       cname[c], median(acc[c][k], outer) / 1e6);
	return rc[0] || rc[1];
}
