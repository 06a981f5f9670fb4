// SPDX-License-Identifier: GPL-2.0
/*
 * scale-bench: what a change of a namespace's wall clock costs with many
 * armed timers and sleepers, and what a set of the host's clock costs,
 * inside one booted guest (scripts/bench runs it through scripts/vm-run,
 * on our kernel and on mainline 6.12).  Under TCG only ratios mean
 * something.  Run as root.  Prints "R key=value ..." lines, one per
 * figure, which scripts/bench turns into tables; '#' lines are comments.
 *
 * Parts (the first three need a kernel whose namespaces can own their
 * wall clock; on mainline they print "R skip"):
 *
 *   nswrite N:  one owning namespace; a task inside arms N absolute
 *               CLOCK_REALTIME timers an hour ahead (N/2 timerfds, N/2
 *               posix timers, SIGEV_NONE).  Timed: a write of a new
 *               realtime offset to /proc/<pid>/timens_offsets from the
 *               host (it returns once every timer has been moved: the
 *               walk runs in the writer), and clock_settime() inside.
 *               The offset alternates by one second.
 *   sleepers N: N threads inside, half in clock_nanosleep(CLOCK_REALTIME,
 *               TIMER_ABSTIME) and half in FUTEX_WAIT_BITSET with
 *               FUTEX_CLOCK_REALTIME, an hour ahead; one write moves the
 *               clock two hours on: each sleeper restarts and finds its
 *               time past.  Timed: from before the write to the return of
 *               the last sleeper.
 *   hostlat N:  a host task sleeping to a 1 ms grid of CLOCK_MONOTONIC
 *               (clock_nanosleep TIMER_ABSTIME), its lateness per wake-up,
 *               while an owning namespace holds N timers and (idle) does
 *               nothing, (control) a task inside loops on getppid(), (busy)
 *               a task inside loops on clock_settime(), moving its N
 *               timers each time.  Busy against control separates the cost
 *               of the changes from the CPU time the loop takes.
 *   hostset N M: clock_settime(CLOCK_REALTIME) of the host, by one
 *               second alternately, while N absolute CLOCK_REALTIME
 *               timers are armed: on the host (M = 0, both kernels), or
 *               spread over M owning namespaces (ours).
 *
 * Usage: scale-bench [MAX_TIMERS [MAX_SLEEPERS [ROUNDS]]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NSEC 1000000000LL
#define HOUR (3600 * NSEC)

static long max_timers = 100000, max_sleepers = 10000;
static int rounds = 15;

static void die(const char *what)
{
	fprintf(stderr, "scale-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static struct timespec ts_of(long long ns)
{
	struct timespec ts = { ns / NSEC, ns % NSEC };

	return ts;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v; the value at quantile @q (0..1) */
static long long quant(long long *v, int n, double q)
{
	int i;

	qsort(v, n, sizeof(*v), cmp_ll);
	i = (int)(q * (n - 1) + 0.5);
	return v[i];
}

static void raise_limits(long n)
{
	struct rlimit r = { n + 4096, n + 4096 };

	if (setrlimit(RLIMIT_NOFILE, &r))
		die("RLIMIT_NOFILE");
	r.rlim_cur = r.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_SIGPENDING, &r))
		die("RLIMIT_SIGPENDING");
}

/* Arm @n absolute CLOCK_REALTIME timers at @at (this task's view) */
static void arm_timers(long n, long long at)
{
	struct itimerspec its = { .it_value = ts_of(at) };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	timer_t id;
	long i;
	int fd;

	for (i = 0; i < n / 2; i++) {
		fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
		if (fd < 0)
			die("timerfd_create");
		if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL))
			die("timerfd_settime");
	}
	for (; i < n; i++) {
		if (timer_create(CLOCK_REALTIME, &sev, &id))
			die("timer_create");
		if (timer_settime(id, TIMER_ABSTIME, &its, NULL))
			die("timer_settime");
	}
}

/* ---- owning namespaces and the tasks inside ---- */

struct inside {
	pid_t pid;
	int ready;	/* read end: one byte once armed */
};

/* Make a new namespace for our children that owns its wall clock */
static void new_owning_ns(void)
{
	int fd;

	if (unshare(CLONE_NEWTIME))
		die("unshare(CLONE_NEWTIME)");
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd < 0)
		die("open timens_offsets");
	if (write(fd, "realtime 0 0\n", 13) != 13)
		die("write realtime offset");
	close(fd);
}

/* A child in our namespace for children that arms @n timers, then waits */
static struct inside spawn_armed(long n)
{
	struct inside in;
	int p[2];

	if (pipe(p))
		die("pipe");
	in.pid = fork();
	if (in.pid < 0)
		die("fork");
	if (in.pid == 0) {
		close(p[0]);
		arm_timers(n, now(CLOCK_REALTIME) + HOUR);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	in.ready = p[0];
	return in;
}

static void wait_ready(struct inside *in)
{
	char c;

	if (read(in->ready, &c, 1) != 1)
		die("armed child died");
	close(in->ready);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int offsets_fd(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		die("open /proc/<pid>/timens_offsets");
	return fd;
}

/* Write realtime offset @sec, timed (ns) */
static long long timed_write(int fd, long long sec)
{
	char buf[64];
	long long t;
	int len;

	len = snprintf(buf, sizeof(buf), "realtime %lld 0\n", sec);
	t = now(CLOCK_MONOTONIC);
	if (write(fd, buf, len) != len)
		die("write realtime offset");
	return now(CLOCK_MONOTONIC) - t;
}

static void report(const char *what, const char *params, long long *v, int n)
{
	long long med = quant(v, n, 0.5), max = v[n - 1];

	printf("R %s %s rounds=%d median_us=%.1f max_us=%.1f\n", what, params, n,
	       med / 1e3, max / 1e3);
	fflush(stdout);
}

static void part_nswrite(long n)
{
	long long w[64], s[64];
	struct inside in;
	char params[64];
	int fd, i, p[2];
	pid_t pid;

	new_owning_ns();
	in = spawn_armed(n);
	wait_ready(&in);
	fd = offsets_fd(in.pid);
	for (i = 0; i < rounds; i++)
		w[i] = timed_write(fd, i & 1);
	close(fd);

	/* clock_settime() inside, by another task of the namespace */
	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		long long t, d;
		struct timespec ts;

		for (i = 0; i < rounds; i++) {
			ts = ts_of(now(CLOCK_REALTIME) + (i & 1 ? -NSEC : NSEC));
			t = now(CLOCK_MONOTONIC);
			if (clock_settime(CLOCK_REALTIME, &ts))
				_exit(1);
			d = now(CLOCK_MONOTONIC) - t;
			if (write(p[1], &d, sizeof(d)) != sizeof(d))
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	for (i = 0; i < rounds; i++)
		if (read(p[0], &s[i], sizeof(s[i])) != sizeof(s[i]))
			die("clock_settime inside failed");
	close(p[0]);
	waitpid(pid, NULL, 0);
	reap(in.pid);

	snprintf(params, sizeof(params), "timers=%ld", n);
	report("nswrite", params, w, rounds);
	report("nssettime", params, s, rounds);
}

/* ---- sleepers ---- */

struct shared {
	atomic_int gen;		/* round number, futex word */
	atomic_int asleep;	/* threads about to sleep this round */
	atomic_int back;	/* threads returned this round */
	atomic_llong last;	/* CLOCK_MONOTONIC of the last return */
	atomic_int errors;
};

static struct shared *sh;
static int futex_words[1];	/* never changes: waits end by timeout */

static long sys_futex(void *uaddr, int op, int val, const struct timespec *ts, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);
}

static void *sleeper(void *arg)
{
	int use_futex = (long)arg & 1, gen = 0, r;
	struct timespec ts;
	long long t;

	for (;;) {
		while (atomic_load(&sh->gen) == gen)
			sys_futex(&sh->gen, FUTEX_WAIT, gen, NULL, 0);
		gen = atomic_load(&sh->gen);
		ts = ts_of(now(CLOCK_REALTIME) + HOUR);
		atomic_fetch_add(&sh->asleep, 1);
		if (use_futex) {
			r = sys_futex(futex_words, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &ts,
				      FUTEX_BITSET_MATCH_ANY);
			if (r != -1 || errno != ETIMEDOUT)
				atomic_fetch_add(&sh->errors, 1);
		} else {
			r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
			if (r)
				atomic_fetch_add(&sh->errors, 1);
		}
		t = now(CLOCK_MONOTONIC);
		/* max */
		for (long long l = atomic_load(&sh->last); t > l;)
			if (atomic_compare_exchange_weak(&sh->last, &l, t))
				break;
		atomic_fetch_add(&sh->back, 1);
	}
	return NULL;
}

static void part_sleepers(long n)
{
	int p[2], fd, i, r, limit = rounds < 7 ? rounds : 7;
	long long v[64], t0;
	char params[64], c;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	memset(sh, 0, sizeof(*sh));
	new_owning_ns();
	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		pthread_attr_t a;
		pthread_t t;
		long j;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 * 1024);
		for (j = 0; j < n; j++)
			if (pthread_create(&t, &a, sleeper, (void *)j))
				_exit(2);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		printf("R sleepers threads=%ld skip=could-not-create-threads\n", n);
		waitpid(pid, NULL, 0);
		munmap(sh, sizeof(*sh));
		return;
	}
	fd = offsets_fd(pid);
	for (r = 0; r < limit; r++) {
		atomic_store(&sh->asleep, 0);
		atomic_store(&sh->back, 0);
		atomic_store(&sh->last, 0);
		atomic_fetch_add(&sh->gen, 1);
		sys_futex(&sh->gen, FUTEX_WAKE, INT_MAX, NULL, 0);
		while (atomic_load(&sh->asleep) < n)
			usleep(1000);
		/* each is in its sleep, or about to be: let them get there */
		usleep(200000 + n * 20);
		t0 = now(CLOCK_MONOTONIC);
		/* two hours on, past every sleeper's time */
		timed_write(fd, 2 * 3600 * (r + 1));
		for (i = 0; atomic_load(&sh->back) < n; i++) {
			if (i > 60 * 1000) {
				printf("R sleepers threads=%ld skip=%d-of-%ld-returned\n", n,
				       atomic_load(&sh->back), n);
				goto out;
			}
			usleep(1000);
		}
		v[r] = atomic_load(&sh->last) - t0;
	}
	snprintf(params, sizeof(params), "threads=%ld errors=%d", n, atomic_load(&sh->errors));
	report("sleepers", params, v, limit);
out:
	close(fd);
	reap(pid);
	munmap(sh, sizeof(*sh));
}

/* ---- a host task's wake-ups ---- */

/* Lateness of @k wake-ups on a 1 ms grid, into @v (ns) */
static void wakeups(long long *v, int k)
{
	long long next = now(CLOCK_MONOTONIC) + 1000000;
	struct timespec ts;
	int i;

	for (i = 0; i < k; i++) {
		ts = ts_of(next);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		v[i] = now(CLOCK_MONOTONIC) - next;
		next += 1000000;
	}
}

/* A task in our namespace for children looping: 0 getppid(), 1 settime */
static pid_t spawn_loop(int settime)
{
	pid_t pid = fork();
	struct timespec ts;
	long i;

	if (pid < 0)
		die("fork");
	if (pid)
		return pid;
	for (i = 0;; i++) {
		if (settime) {
			ts = ts_of(now(CLOCK_REALTIME) + (i & 1 ? -NSEC : NSEC));
			clock_settime(CLOCK_REALTIME, &ts);
		} else {
			getppid();
		}
	}
}

static void part_hostlat(long n)
{
	static const char * const names[] = { "idle", "control", "busy" };
	int k = 3000, c;
	long long *v = malloc(k * sizeof(*v)), med, p99;
	struct inside in;
	char params[96];
	pid_t loop;

	if (!v)
		die("malloc");
	new_owning_ns();
	in = spawn_armed(n);
	wait_ready(&in);
	for (c = 0; c < 3; c++) {
		loop = c ? spawn_loop(c == 2) : 0;
		usleep(100000);
		wakeups(v, k);
		if (loop)
			reap(loop);
		snprintf(params, sizeof(params), "timers=%ld case=%s", n, names[c]);
		med = quant(v, k, 0.5);
		p99 = quant(v, k, 0.99);
		printf("R hostlat %s wakeups=%d median_us=%.1f p99_us=%.1f max_us=%.1f\n", params,
		       k, med / 1e3, p99 / 1e3, v[k - 1] / 1e3);
		fflush(stdout);
	}
	reap(in.pid);
	free(v);
}

/* ---- interrupts off (a kernel with the irqsoff tracer: the debug one) ---- */

static const char *tracefs;

static int tr_write(const char *file, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static long tr_max_us(char *where, size_t len)
{
	char path[256], line[512];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tracing_max_latency", tracefs);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	/* "=> started at: X" and "=> ended at: Y" of the trace's header */
	where[0] = 0;
	snprintf(path, sizeof(path), "%s/trace", tracefs);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "=> started at:");

		if (!p)
			p = strstr(line, "=>   ended at:");
		if (!p)
			continue;
		p = strchr(p, ':') + 2;
		p[strcspn(p, " \n")] = 0;
		if (strlen(where) + strlen(p) + 2 < len) {
			strcat(where, where[0] ? ">" : "");
			strcat(where, p);
		}
	}
	if (f)
		fclose(f);
	return v;
}

/*
 * The longest section with interrupts off while @rounds writes move N
 * timers, against as long a time with the namespace idle.
 */
static void part_irqsoff(long n)
{
	char where[2][160], params[64];
	long long t0, dt;
	struct inside in;
	long max[2];
	int fd, i;

	new_owning_ns();
	in = spawn_armed(n);
	wait_ready(&in);
	fd = offsets_fd(in.pid);
	for (int c = 0; c < 2; c++) {
		if (tr_write("current_tracer", "irqsoff") || tr_write("tracing_max_latency", "0") ||
		    tr_write("tracing_on", "1")) {
			printf("R irqsoff timers=%ld skip=no-irqsoff-tracer\n", n);
			goto out;
		}
		t0 = now(CLOCK_MONOTONIC);
		if (c == 0) {
			for (i = 0; i < rounds; i++)
				timed_write(fd, i & 1);
			dt = now(CLOCK_MONOTONIC) - t0;
		} else {
			struct timespec ts = ts_of(dt);

			nanosleep(&ts, NULL);
		}
		max[c] = tr_max_us(where[c], sizeof(where[c]));
		tr_write("current_tracer", "nop");
	}
	snprintf(params, sizeof(params), "timers=%ld", n);
	printf("R irqsoff %s writes=%d changes_max_us=%ld changes_where=%s idle_max_us=%ld "
	       "idle_where=%s\n", params, rounds, max[0], where[0][0] ? where[0] : "-", max[1],
	       where[1][0] ? where[1] : "-");
	fflush(stdout);
out:
	close(fd);
	reap(in.pid);
}

/* ---- the host's clock ---- */

static void part_hostset(long n, int m, int ours)
{
	pid_t *pids = calloc(m ? m : 1, sizeof(*pids));
	struct inside in;
	long long v[64];
	char params[64];
	struct timespec ts;
	int i;

	if (!pids)
		die("calloc");
	if (m == 0) {
		/* host timers: we never unshared, so the child is on the host */
		in = spawn_armed(n);
		wait_ready(&in);
		pids[0] = in.pid;
	} else {
		if (!ours) {
			free(pids);
			return;
		}
		for (i = 0; i < m; i++) {
			new_owning_ns();
			in = spawn_armed(n / m);
			wait_ready(&in);
			pids[i] = in.pid;
		}
	}
	for (i = 0; i < rounds; i++) {
		long long t;

		ts = ts_of(now(CLOCK_REALTIME) + (i & 1 ? -NSEC : NSEC));
		t = now(CLOCK_MONOTONIC);
		if (clock_settime(CLOCK_REALTIME, &ts))
			die("clock_settime (host)");
		v[i] = now(CLOCK_MONOTONIC) - t;
	}
	for (i = 0; i < (m ? m : 1); i++)
		reap(pids[i]);
	free(pids);
	snprintf(params, sizeof(params), "timers=%ld namespaces=%d", n, m);
	report("hostset", params, v, rounds);
}

static int can_own_wall_clock(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd;

		if (unshare(CLONE_NEWTIME))
			_exit(1);
		fd = open("/proc/self/timens_offsets", O_WRONLY);
		_exit(fd < 0 || write(fd, "realtime 0 0\n", 13) != 13);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Run @fn(@n) in a child, so that each part starts from a fresh task */
static void part(void (*fn)(long), long n)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		fn(n);
		exit(0);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("R fail part exited 0x%x (n=%ld)\n", st, n);
}

static int ours_flag;
static void hostset_host(long n) { part_hostset(n, 0, ours_flag); }
static void hostset_ns(long n) { part_hostset(n, n < 10 ? n : 10, ours_flag); }

int main(int argc, char **argv)
{
	static const long ns[] = { 1, 100, 10000, 100000 };
	static const long ss[] = { 1, 100, 1000, 10000, 100000 };
	char kernel[256] = "?";
	FILE *f;
	int i;

	if (argc > 1)
		max_timers = atol(argv[1]);
	if (argc > 2)
		max_sleepers = atol(argv[2]);
	if (argc > 3)
		rounds = atoi(argv[3]);
	if (max_timers < 1 || max_sleepers < 1 || rounds < 3 || rounds > 64) {
		fprintf(stderr, "usage: scale-bench [MAX_TIMERS [MAX_SLEEPERS [ROUNDS]]]\n");
		return 2;
	}
	f = fopen("/proc/sys/kernel/osrelease", "r");
	if (f) {
		if (fgets(kernel, sizeof(kernel), f))
			kernel[strcspn(kernel, "\n")] = 0;
		fclose(f);
	}
	raise_limits(max_timers);
	ours_flag = can_own_wall_clock();
	printf("# scale-bench: kernel %s, %ld CPUs, wall clock namespaces: %s, %d rounds\n",
	       kernel, sysconf(_SC_NPROCESSORS_ONLN), ours_flag ? "yes" : "no", rounds);
	printf("R kernel ours=%d cpus=%ld\n", ours_flag, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);

	if (access("/sys/kernel/tracing/available_tracers", R_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (ours_flag && !access("/sys/kernel/tracing/available_tracers", R_OK))
		tracefs = "/sys/kernel/tracing";
	if (ours_flag && getenv("SCALE_IRQSOFF")) {
		/* the debug kernel: only the interrupts-off part */
		if (!tracefs) {
			printf("R irqsoff skip=no-tracefs\n");
		} else {
			for (i = 0; i < 4 && ns[i] <= max_timers; i++)
				if (ns[i] >= 100)
					part(part_irqsoff, ns[i]);
		}
		printf("R done\n");
		return 0;
	}
	for (i = 0; i < 4 && ns[i] <= max_timers; i++) {
		if (ours_flag) {
			part(part_nswrite, ns[i]);
			part(hostset_ns, ns[i]);
		}
		part(hostset_host, ns[i]);
	}
	if (ours_flag) {
		for (i = 0; i < 5 && ss[i] <= max_sleepers; i++)
			part(part_sleepers, ss[i]);
		part(part_hostlat, max_timers < 10000 ? max_timers : 10000);
		if (max_timers >= 100000)
			part(part_hostlat, 100000);
	}
	printf("R done\n");
	return 0;
}
