// SPDX-License-Identifier: GPL-2.0
/*
 * The process that our CRIU moves between two guest boots with its
 * namespace's own wall clock (tests/criu-wall-migration).
 *
 * It runs in a time namespace that owns its wall clock (at 2038, set up by
 * timens-run) with a monotonic offset.  Every 20 ms it reads
 * CLOCK_REALTIME and CLOCK_MONOTONIC through the vDSO and the system
 * call: no clock may go backward, and CLOCK_MONOTONIC may not step more
 * than the bound across the move.  Two absolute CLOCK_REALTIME timerfds
 * stay armed across the move: one DUE seconds of namespace date after the
 * start, whose expiration the process reads and dates, and one FAR_DUE
 * seconds after, which must still be armed for its date after the
 * restore.
 *
 * On SIGUSR1 (sent after the restore) it waits for the timerfd and writes
 * its verdict as KTAP to REPORT.  The date carries on across the downtime
 * (criu's default, --timens-wall carry): the realtime offset after the
 * restore is the one before the dump.
 *
 * usage: wallclock REPORT BOUND_SECONDS DUE_SECONDS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL
#define YEAR		2038
#define TIMER_SLACK	5	/* s: a timer may fire this late */
#define FAR_DUE		3600	/* s after the start: the second timerfd */

struct series {
	const char *name;
	clockid_t clk;
	int vdso;
	int64_t last, max_step, backward;
	int64_t step_from, step_to;	/* the readings around the largest step */
	long samples;
};

static struct series series[] = {
	{ .name = "CLOCK_REALTIME (vDSO)", .clk = CLOCK_REALTIME, .vdso = 1 },
	{ .name = "CLOCK_REALTIME (syscall)", .clk = CLOCK_REALTIME, .vdso = 0 },
	{ .name = "CLOCK_MONOTONIC (vDSO)", .clk = CLOCK_MONOTONIC, .vdso = 1 },
	{ .name = "CLOCK_MONOTONIC (syscall)", .clk = CLOCK_MONOTONIC, .vdso = 0 },
};
#define NSERIES		(sizeof(series) / sizeof(series[0]))
#define RT_SYSCALL	(&series[1])
#define MONO_SYSCALL	(&series[3])

static volatile sig_atomic_t restored;
static int64_t due, fired, far_due;
static uint64_t ticks;
static int tfd, far_tfd;

static int64_t ns_of(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static int64_t read_clock(clockid_t clk, int vdso)
{
	struct timespec ts;

	if (vdso)
		clock_gettime(clk, &ts);
	else
		syscall(SYS_clock_gettime, clk, &ts);
	return ns_of(&ts);
}

static const char *date_of(int64_t ns, char *buf, size_t len)
{
	time_t t = ns / NSEC_PER_SEC;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%F %T", &tm))
		snprintf(buf, len, "?");
	return buf;
}

static void on_usr1(int sig __attribute__((unused)))
{
	restored = 1;
}

/* The offset of @name in /proc/self/timens_offsets, or INT64_MIN */
static int64_t offset_of(const char *name)
{
	long long sec;
	long nsec;
	char clock[16];
	FILE *f = fopen("/proc/self/timens_offsets", "r");
	int64_t off = INT64_MIN;

	if (!f)
		return off;
	while (fscanf(f, "%15s %lld %ld", clock, &sec, &nsec) == 3)
		if (!strcmp(clock, name))
			off = sec * NSEC_PER_SEC + nsec;
	fclose(f);
	return off;
}

static void sample(void)
{
	uint64_t n;

	for (size_t i = 0; i < NSERIES; i++) {
		struct series *s = &series[i];
		int64_t now = read_clock(s->clk, s->vdso);

		if (s->samples) {
			if (now < s->last)
				s->backward++;
			if (now - s->last > s->max_step) {
				s->max_step = now - s->last;
				s->step_from = s->last;
				s->step_to = now;
			}
		}
		s->last = now;
		s->samples++;
	}
	if (!fired && read(tfd, &n, sizeof(n)) == sizeof(n)) {
		fired = read_clock(CLOCK_REALTIME, 0);
		ticks = n;
	}
}

static int n;
static FILE *out;

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%sok %d ", ok ? "" : "not ", ++n);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

struct start {
	int64_t rt_off, tai_off, mono_off;	/* offsets at the start */
	int64_t tai_dist;			/* TAI - REALTIME */
};

static void report(const struct start *st, int64_t bound)
{
	int64_t rt_off = offset_of("realtime"), tai_off = offset_of("tai");
	int64_t mono_off = offset_of("monotonic");
	int64_t before = RT_SYSCALL->step_from, after = RT_SYSCALL->step_to;
	int64_t rt, tai, resumed;
	struct itimerspec left;
	char d1[32], d2[32];
	time_t year_t;
	struct tm tm;

	for (size_t i = 0; i < NSERIES; i++) {
		struct series *s = &series[i];

		fprintf(out, "# %s: %ld samples; largest step %.3f s, from %.3f to %.3f s (the move)\n",
			s->name, s->samples, s->max_step / 1e9,
			s->step_from / 1e9, s->step_to / 1e9);
		result(s->backward == 0, "%s never went backward (%lld times)",
		       s->name, (long long)s->backward);
	}
	result(MONO_SYSCALL->max_step <= bound * NSEC_PER_SEC &&
	       series[2].max_step <= bound * NSEC_PER_SEC,
	       "CLOCK_MONOTONIC never stepped more than %lld s across the move",
	       (long long)bound);

	fprintf(out, "# namespace date before the dump %s (%.3f), after the restore %s (%.3f): +%.3f s\n",
		date_of(before, d1, sizeof(d1)), before / 1e9,
		date_of(after, d2, sizeof(d2)), after / 1e9, (after - before) / 1e9);
	fprintf(out, "# offsets at the start: realtime %.3f s, tai %.3f s, monotonic %.3f s; after the restore: realtime %.3f s, tai %.3f s, monotonic %.3f s\n",
		st->rt_off / 1e9, st->tai_off / 1e9, st->mono_off / 1e9,
		rt_off / 1e9, tai_off / 1e9, mono_off / 1e9);
	year_t = after / NSEC_PER_SEC;
	result(gmtime_r(&year_t, &tm) && tm.tm_year + 1900 == YEAR,
	       "the restored namespace is still at its date (%s)", d2);
	result(rt_off != INT64_MIN && llabs(rt_off - st->rt_off) < NSEC_PER_MSEC,
	       "its date carried on across the downtime: the realtime offset is the one it had (%.6f s, was %.6f s)",
	       rt_off / 1e9, st->rt_off / 1e9);
	rt = read_clock(CLOCK_REALTIME, 0);
	tai = read_clock(CLOCK_TAI, 0);
	result(llabs(tai - rt - st->tai_dist) < 10 * NSEC_PER_MSEC,
	       "CLOCK_TAI kept its distance from CLOCK_REALTIME (%.3f s, was %.3f s)",
	       (tai - rt) / 1e9, st->tai_dist / 1e9);
	rt = read_clock(CLOCK_REALTIME, 0);
	tai = read_clock(CLOCK_REALTIME, 1);
	year_t = tai / NSEC_PER_SEC;
	result(llabs(tai - rt) < NSEC_PER_SEC / 2 && gmtime_r(&year_t, &tm) &&
	       tm.tm_year + 1900 == YEAR,
	       "the vDSO reads the namespace's date after the restore (vDSO %.3f, syscall %.3f)",
	       tai / 1e9, rt / 1e9);

	/*
	 * Still armed for its date: what is left is the way to that date.
	 * criu reads the namespace's date at the dump after the timer, so
	 * the timer may be late by as long as the dump took in between (the
	 * host side checks that bound); re-armed as far from now as it was
	 * from the dump, it would be late by the whole downtime.
	 */
	if (timerfd_gettime(far_tfd, &left))
		left.it_value.tv_sec = left.it_value.tv_nsec = 0;
	rt = read_clock(CLOCK_REALTIME, 0);
	fprintf(out, "# second timerfd: due %s (%.3f); after the restore %.3f s left, %.3f s to its date: late by %.3f s\n",
		date_of(far_due, d1, sizeof(d1)), far_due / 1e9,
		ns_of(&left.it_value) / 1e9, (far_due - rt) / 1e9,
		(ns_of(&left.it_value) - (far_due - rt)) / 1e9);
	result(ns_of(&left.it_value) > 0 && ns_of(&left.it_value) - (far_due - rt) > -NSEC_PER_SEC,
	       "a later absolute CLOCK_REALTIME timerfd is still armed, not early for its date");

	/* A timer that came due while the task was away fires when it runs */
	while (!fired && read_clock(CLOCK_REALTIME, 0) < due + 2 * TIMER_SLACK * NSEC_PER_SEC) {
		sample();
		usleep(20000);
	}
	resumed = after;
	fprintf(out, "# timerfd (absolute CLOCK_REALTIME): due %s (%.3f), fired %s (%.3f), %llu tick(s); the task ran again at %.3f\n",
		date_of(due, d1, sizeof(d1)), due / 1e9,
		fired ? date_of(fired, d2, sizeof(d2)) : "never", fired / 1e9,
		(unsigned long long)ticks, resumed / 1e9);
	if (fired && fired < RT_SYSCALL->step_from) {
		fprintf(out, "ok %d the absolute CLOCK_REALTIME timerfd fired once at its namespace date # SKIP it came due before the dump (a slow dump)\n", ++n);
		return;
	}
	result(fired >= due && ticks == 1 &&
	       fired - (due > resumed ? due : resumed) < TIMER_SLACK * NSEC_PER_SEC,
	       "the absolute CLOCK_REALTIME timerfd fired once at its namespace date (or, if due while the task was away, when it ran again), within %d s",
	       TIMER_SLACK);
}

static int arm(int64_t when)
{
	struct itimerspec its = {
		.it_value = { when / NSEC_PER_SEC, when % NSEC_PER_SEC },
	};
	int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);

	if (fd < 0 || timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		perror("timerfd");
		exit(2);
	}
	return fd;
}

int main(int argc, char *argv[])
{
	struct start st;
	int64_t bound, now;
	char d[32];

	if (argc != 4) {
		fprintf(stderr, "usage: %s REPORT BOUND_SECONDS DUE_SECONDS\n", argv[0]);
		return 2;
	}
	bound = atoll(argv[2]);
	/* Lead a session inside the pid namespace: criu dumps whole sessions */
	setsid();
	signal(SIGUSR1, on_usr1);

	st.rt_off = offset_of("realtime");
	st.tai_off = offset_of("tai");
	st.mono_off = offset_of("monotonic");
	if (st.rt_off == INT64_MIN) {
		fprintf(stderr, "the namespace does not own its wall clock\n");
		return 2;
	}
	st.tai_dist = read_clock(CLOCK_TAI, 0) - read_clock(CLOCK_REALTIME, 0);

	now = read_clock(CLOCK_REALTIME, 0);
	due = now + atoll(argv[3]) * NSEC_PER_SEC;
	tfd = arm(due);
	far_due = now + FAR_DUE * NSEC_PER_SEC;
	far_tfd = arm(far_due);
	printf("started: %s, timerfd due %.3f\n", date_of(now, d, sizeof(d)), due / 1e9);
	fflush(stdout);

	while (!restored) {
		sample();
		usleep(20000);
	}

	out = fopen(argv[1], "w");
	if (!out)
		return 3;
	fprintf(out, "KTAP version 1\n1..11\n");
	report(&st, bound);
	fclose(out);
	return 0;
}
