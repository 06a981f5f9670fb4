// SPDX-License-Identifier: GPL-2.0
/*
 * A posix timer that comes due while criu has the task frozen for the
 * dump (tests/criu-lost-timer).
 *
 * It arms one one-shot CLOCK_MONOTONIC timer, DELAY_MS from the start,
 * whose signal (SIGRTMIN) it catches, and reads CLOCK_MONOTONIC every
 * 10 ms: the largest gap between two readings is the time it was frozen.
 * With MEGABYTES, it first fills that much memory, so that criu takes a
 * while to dump its pages.  On SIGUSR1 (sent after the restore) it waits
 * up to 5 s more for the signal and writes its verdict as KTAP to REPORT:
 * the signal came once, after the timer was due, and no later than 5 s
 * after the task ran again.
 *
 * usage: losttimer REPORT DELAY_MS MEGABYTES
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000LL
#define SLACK		5	/* s */

static volatile sig_atomic_t restored, count;
static volatile int64_t fired;
static volatile int code, timerid;

static int64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void on_usr1(int sig __attribute__((unused)))
{
	restored = 1;
}

static void on_timer(int sig __attribute__((unused)), siginfo_t *si,
		     void *uc __attribute__((unused)))
{
	if (!count++)
		fired = now();
	code = si->si_code;
	timerid = si->si_timerid;
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL };
	struct itimerspec its = {};
	int64_t start, due, last, gap = 0, gap_from = 0, gap_to = 0, t;
	size_t len;
	char *mem;
	timer_t tid;
	FILE *out;

	if (argc != 4) {
		fprintf(stderr, "usage: %s REPORT DELAY_MS MEGABYTES\n", argv[0]);
		return 2;
	}
	/* Lead a session inside the pid namespace: criu dumps whole sessions */
	setsid();
	len = (size_t)atoll(argv[3]) << 20;
	if (len) {
		mem = malloc(len);
		if (!mem)
			return 2;
		for (size_t i = 0; i < len; i += 4096)
			mem[i] = (char)(i >> 12 | 1);	/* not a zero page */
	}

	sev.sigev_signo = SIGRTMIN;
	sigaction(SIGRTMIN, &sa, NULL);
	signal(SIGUSR1, on_usr1);
	start = now();
	due = start + atoll(argv[2]) * 1000000LL;
	its.it_value.tv_sec = (due - start) / NSEC_PER_SEC;
	its.it_value.tv_nsec = (due - start) % NSEC_PER_SEC;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tid) ||
	    timer_settime(tid, 0, &its, NULL)) {
		perror("timer");
		return 2;
	}
	printf("armed: timer %d due at %.3f (CLOCK_MONOTONIC), pid %d\n",
	       (int)(intptr_t)tid, due / 1e9, getpid());
	fflush(stdout);

	last = now();
	while (!restored) {
		usleep(10000);
		t = now();
		if (t - last > gap) {
			gap = t - last;
			gap_from = last;
			gap_to = t;
		}
		last = t;
	}
	while (!count && now() < last + SLACK * NSEC_PER_SEC)
		usleep(10000);

	out = fopen(argv[1], "w");
	if (!out)
		return 3;
	fprintf(out, "KTAP version 1\n1..2\n");
	fprintf(out, "# timer due %.3f; frozen from %.3f to %.3f (%.3f s, %s); signal: %d time(s), first at %.3f, si_code %d, si_timerid %d\n",
		due / 1e9, gap_from / 1e9, gap_to / 1e9, gap / 1e9,
		gap_from < due && due < gap_to ? "the timer came due inside" : "the timer came due outside",
		(int)count, fired / 1e9, code, timerid);
	fprintf(out, "%sok 1 the timer's signal came exactly once (%d)\n",
		count == 1 ? "" : "not ", (int)count);
	t = due > gap_to ? due : gap_to;
	fprintf(out, "%sok 2 it came after the timer was due, within %d s of the task running again\n",
		count && fired >= due && fired - t < SLACK * NSEC_PER_SEC ? "" : "not ", SLACK);
	fclose(out);
	return 0;
}
