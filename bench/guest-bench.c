// SPDX-License-Identifier: GPL-2.0
/*
 * guest-bench: the costs of time namespaces inside one booted guest, as
 * ratios against a baseline measured in the same boot, interleaved.
 * Under TCG only the ratios mean something.  Run as root (scripts/bench
 * runs it through scripts/vm-run).
 *
 *   fork:    unshare(CLONE_NEWTIME) + fork + the child reads
 *            CLOCK_MONOTONIC (vDSO) and exits + wait, against the same
 *            without unshare (the child stays in the parent's namespace)
 *   offsets: write("monotonic 100 0\n") to /proc/self/timens_offsets of a
 *            fresh namespace (unshare(CLONE_NEWTIME) before, untimed),
 *            against writing a name of the same length to
 *            /proc/self/comm; both files opened before the timing
 *   setns:   setns() into a time namespace, one clock_gettime(), setns()
 *            back, one clock_gettime(), against the same with a UTS
 *            namespace (the vDSO read after a time namespace switch
 *            faults the vvar page in again)
 *   timerfd: 50 absolute CLOCK_REALTIME timerfd_settime() calls (an hour
 *            ahead) by a task in a time namespace that does not own its
 *            wall clock, against the same by a task of the host
 *   futex:   50 FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME calls with an
 *            absolute timeout and a futex word that differs (EAGAIN at
 *            once, after the timeout's setup), in and out of such a
 *            namespace: the path of a pthread_cond_timedwait() that need
 *            not wait
 *   memory:  1,000 namespaces kept alive by an fd of
 *            /proc/self/ns/time_for_children each: free memory and Slab
 *            deltas of /proc/meminfo (and /proc/slabinfo if there)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int rounds = 7, iters = 40, nns = 1000;

static void die(const char *what)
{
	fprintf(stderr, "guest-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the operations, each timed once ---- */

static double op_fork(int newns)
{
	struct timespec ts;
	double t0;
	pid_t pid;
	int st;

	t0 = now_us();
	if (newns && unshare(CLONE_NEWTIME))
		die("unshare(CLONE_NEWTIME)");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	return now_us() - t0;
}

static int fd_offsets = -1, fd_comm = -1;

static double op_write(int offsets)
{
	static const char off[] = "monotonic 100 0\n";
	static const char comm[] = "guest-bench-abc\n";	/* same length */
	double t0, t;
	int fd = offsets ? fd_offsets : fd_comm;
	ssize_t n;

	_Static_assert(sizeof(off) == sizeof(comm), "same length");
	if (offsets) {
		/* a fresh namespace for children, no task in it yet */
		if (unshare(CLONE_NEWTIME))
			die("unshare(CLONE_NEWTIME)");
	}
	t0 = now_us();
	n = write(fd, offsets ? off : comm, sizeof(off) - 1);
	t = now_us() - t0;
	if (n != sizeof(off) - 1)
		die(offsets ? "write timens_offsets" : "write comm");
	return t;
}

static int fd_time_home, fd_time_other, fd_uts_home, fd_uts_other;

static double op_setns(int timens)
{
	struct timespec ts;
	double t0;
	int other = timens ? fd_time_other : fd_uts_other;
	int home = timens ? fd_time_home : fd_uts_home;
	int type = timens ? CLONE_NEWTIME : CLONE_NEWUTS;

	t0 = now_us();
	if (setns(other, type))
		die("setns");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (setns(home, type))
		die("setns back");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return now_us() - t0;
}

/*
 * The task moves between the host's time namespace and one that does not
 * own its wall clock at the start of each block of an operation.
 */
static int cur_timens;

static void in_timens(int timens)
{
	if (timens == cur_timens)
		return;
	if (setns(timens ? fd_time_other : fd_time_home, CLONE_NEWTIME))
		die("setns(time)");
	cur_timens = timens;
}

#define CALLS	50
static int fd_tfd = -1;

static double op_timerfd(int timens)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct timespec ts;
	double t0;

	in_timens(timens);
	clock_gettime(CLOCK_REALTIME, &ts);
	its.it_value.tv_sec = ts.tv_sec + 3600;
	t0 = now_us();
	for (int i = 0; i < CALLS; i++)
		if (timerfd_settime(fd_tfd, TFD_TIMER_ABSTIME, &its, NULL))
			die("timerfd_settime");
	return now_us() - t0;
}

static double op_futex(int timens)
{
	static unsigned int word;
	struct timespec ts;
	double t0;

	in_timens(timens);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3600;
	t0 = now_us();
	for (int i = 0; i < CALLS; i++)
		if (syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME,
			    1, &ts, NULL, FUTEX_BITSET_MATCH_ANY) != -1 || errno != EAGAIN)
			die("futex(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME)");
	return now_us() - t0;
}

/*
 * Interleaved: per round, a block of the baseline and a block of the
 * operation (alternating which goes first); the round's ratio is the
 * ratio of the blocks' medians; the result the median of the rounds.
 */
static void measure(const char *name, const char *base, double (*op)(int))
{
	double a[512], b[512], ra[64], rb[64], ratio[64];

	for (int r = 0; r < rounds; r++) {
		for (int half = 0; half < 2; half++) {
			int which = (half + r) % 2;

			for (int i = 0; i < iters; i++) {
				if (which)
					b[i] = op(1);
				else
					a[i] = op(0);
			}
		}
		ra[r] = median(a, iters);
		rb[r] = median(b, iters);
		ratio[r] = rb[r] / ra[r];
	}
	{
		double mr = median(ratio, rounds), ma = median(ra, rounds), mb = median(rb, rounds);
		double lo = ratio[0], hi = ratio[rounds - 1];	/* sorted by median() */

		printf("| %s | %s | %.2f | %.2f–%.2f | %.0f | %.0f |\n", name, base, mr, lo, hi,
		       mb, ma);
	}
	fflush(stdout);
}

/* ---- memory ---- */

static long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v;
}

/*
 * Free memory in KiB: MemFree plus the pages waiting on the per-CPU lists
 * (/proc/zoneinfo "count:"), which MemFree leaves out and which move by
 * megabytes when tasks and namespaces come and go.
 */
static long free_kib(void)
{
	char line[256];
	long pcp = 0, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pcp += n;
	if (f)
		fclose(f);
	return meminfo("MemFree") + pcp * (sysconf(_SC_PAGESIZE) / 1024);
}

static void settle(void)
{
	/* let RCU free what is pending, from earlier parts */
	for (int i = 0; i < 20; i++)
		usleep(50000);
}

static void memory(void)
{
	static int fds[100000];
	struct rlimit rl = { nns + 64, nns + 64 };
	long free0, slab0, free1, slab1, free2, slab2;
	char buf[32];
	int fd, n;

	fd = open("/proc/sys/user/max_time_namespaces", O_WRONLY);
	n = snprintf(buf, sizeof(buf), "%d\n", nns + 100);
	if (fd < 0 || write(fd, buf, n) != n)
		die("/proc/sys/user/max_time_namespaces");
	close(fd);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");

	settle();
	free0 = free_kib();
	slab0 = meminfo("Slab");
	for (int i = 0; i < nns; i++) {
		if (unshare(CLONE_NEWTIME))
			die("unshare(CLONE_NEWTIME) for the memory test");
		fds[i] = open("/proc/self/ns/time_for_children", O_RDONLY);
		if (fds[i] < 0)
			die("open time_for_children");
	}
	settle();
	free1 = free_kib();
	slab1 = meminfo("Slab");
	for (int i = 0; i < nns; i++)
		close(fds[i]);
	if (unshare(CLONE_NEWTIME))	/* drop the last one held by nsproxy too */
		die("unshare");
	settle();
	free2 = free_kib();
	slab2 = meminfo("Slab");

	printf("\n| %d namespaces | free (MemFree + per-CPU lists) | Slab |\n|---|---|---|\n", nns);
	printf("| delta while alive, total | %ld KiB | %ld KiB |\n", free0 - free1, slab1 - slab0);
	printf("| per namespace | %.2f KiB | %.2f KiB |\n", (double)(free0 - free1) / nns,
	       (double)(slab1 - slab0) / nns);
	printf("| delta after closing all, total | %ld KiB | %ld KiB |\n", free0 - free2,
	       slab2 - slab0);
	if (access("/proc/slabinfo", R_OK))
		printf("\n(no /proc/slabinfo in this kernel: Slab from /proc/meminfo)\n");
}

int main(int argc, char **argv)
{
	char kernel[256] = "?";
	FILE *f;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		iters = atoi(argv[2]);
	if (argc > 3)
		nns = atoi(argv[3]);
	if (rounds < 1 || rounds > 64 || iters < 1 || iters > 512 || nns < 1 || nns > 100000) {
		fprintf(stderr, "usage: guest-bench [ROUNDS [ITERS [NAMESPACES]]]\n");
		return 2;
	}
	f = fopen("/proc/sys/kernel/osrelease", "r");
	if (f) {
		if (fgets(kernel, sizeof(kernel), f))
			kernel[strcspn(kernel, "\n")] = 0;
		fclose(f);
	}
	printf("guest-bench: kernel %s, %d rounds of %d iterations per side\n\n", kernel,
	       rounds, iters);

	/* setns fds: our namespaces, and a new one of each kind */
	fd_time_home = open("/proc/self/ns/time", O_RDONLY);
	fd_uts_home = open("/proc/self/ns/uts", O_RDONLY);
	if (fd_time_home < 0 || fd_uts_home < 0)
		die("open /proc/self/ns");
	if (unshare(CLONE_NEWTIME | CLONE_NEWUTS))
		die("unshare");
	fd_time_other = open("/proc/self/ns/time_for_children", O_RDONLY);
	fd_uts_other = open("/proc/self/ns/uts", O_RDONLY);
	if (fd_time_other < 0 || fd_uts_other < 0)
		die("open /proc/self/ns (new)");
	if (setns(fd_uts_home, CLONE_NEWUTS))
		die("setns uts home");

	fd_offsets = open("/proc/self/timens_offsets", O_WRONLY);
	fd_comm = open("/proc/self/comm", O_WRONLY);
	if (fd_offsets < 0 || fd_comm < 0)
		die("open /proc/self/timens_offsets or comm");

	printf("| operation | baseline | ratio (median) | ratio range over rounds | µs (TCG) | baseline µs (TCG) |\n");
	printf("|---|---|---|---|---|---|\n");
	measure("unshare(CLONE_NEWTIME) + fork + child's clock_gettime + exit + wait",
		"fork + child's clock_gettime + exit + wait", op_fork);
	measure("write of /proc/self/timens_offsets (fresh namespace)",
		"write of /proc/self/comm, same length", op_write);
	measure("setns(time) + clock_gettime + setns(back) + clock_gettime",
		"the same with a UTS namespace", op_setns);
	fd_tfd = timerfd_create(CLOCK_REALTIME, 0);
	if (fd_tfd < 0)
		die("timerfd_create");
	measure("50 absolute CLOCK_REALTIME timerfd_settime(), in a namespace not owning its wall clock",
		"the same on the host", op_timerfd);
	measure("50 FUTEX_WAIT_BITSET with FUTEX_CLOCK_REALTIME, absolute, EAGAIN, in such a namespace",
		"the same on the host", op_futex);
	in_timens(0);
	memory();
	return 0;
}
