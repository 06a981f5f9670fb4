// SPDX-License-Identifier: GPL-2.0
/*
 * The partner of trinity in tests/fuzz/fuzz-guest.sh, for SECONDS:
 *
 *   churn clock SECONDS    set CLOCK_REALTIME to random times near now,
 *                          in a loop (in a namespace that owns its wall
 *                          clock: its offset, never the host's clock)
 *   churn offsets SECONDS  write random, mostly hostile, lines to
 *                          /proc/<pid>/timens_offsets: of random tasks,
 *                          of its own namespace for children (fresh, no
 *                          task entered), and of a task inside a
 *                          namespace that owns its wall clock (live)
 *
 * Prints how many calls it made and how many succeeded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static const char * const clocks[] = {
	"monotonic", "boottime", "realtime", "tai", "0", "1", "7", "11",
	"4", "-1", "monotonicX", "", "realtime\x01", "tai tai",
};

static const char * const secs[] = {
	"0", "1", "-1", "86400", "-86400", "9223372036", "-9223372036",
	"9223372037", "4611686018", "-1700000000", "1000000000",
	"18446744073709551617", "99999999999999999999", "+5", "-0", "x",
};

static const char * const nsecs[] = {
	"0", "1", "999999999", "1000000000", "4294967296", "-1", "+1", "x",
	"18446744073709551617",
};

#define PICK(a)	((a)[rand() % (sizeof(a) / sizeof((a)[0]))])

static pid_t owner, inside;	/* see start_targets() */

/* A random pid of /proc, or our own */
static int random_pid(void)
{
	struct dirent *d;
	int pids[512], n = 0;
	DIR *dir = opendir("/proc");

	while (dir && (d = readdir(dir)) && n < 512) {
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
			pids[n++] = atoi(d->d_name);
	}
	if (dir)
		closedir(dir);
	return n ? pids[rand() % n] : getpid();
}

static int write_offsets(void)
{
	char path[64], buf[256];
	int fd, len, lines = 1 + rand() % 3, ret;
	int pid;

	switch (rand() % 4) {
	case 0: pid = getpid(); break;
	case 1: pid = inside; break;
	case 2: pid = owner; break;
	default: pid = random_pid(); break;
	}
	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	len = 0;
	while (lines--)
		len += snprintf(buf + len, sizeof(buf) - len, "%s %s %s%s",
				PICK(clocks), PICK(secs), PICK(nsecs),
				rand() % 8 ? "\n" : "");
	ret = rand() % 16 ? write(fd, buf, len) : pwrite(fd, buf, len, rand() % 3);
	close(fd);
	return ret < 0 ? -1 : 0;
}

static int set_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (rand() % 2 ? 1 : -1) * (rand() % 100000);
	ts.tv_nsec = rand() % 1000000000;
	return clock_settime(CLOCK_REALTIME, &ts);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The targets of "offsets": @owner made a namespace that owns its wall
 * clock and @inside entered it; then we unshare one for our children.
 * Failures leave a target in the initial namespace: writes there fail,
 * which is a case as well.
 */
static void start_targets(void)
{
	int fd, p[2];

	if (pipe(p))
		perror("churn: pipe");
	owner = fork();
	if (owner == 0) {
		if (!unshare(CLONE_NEWTIME)) {
			fd = open("/proc/self/timens_offsets", O_WRONLY);
			if (fd >= 0) {
				if (write(fd, "realtime 86400 0\n", 17) < 0)
					perror("churn: realtime");
				close(fd);
			}
		}
		inside = fork();
		if (inside == 0)
			pause();
		if (write(p[1], &inside, sizeof(inside)) != sizeof(inside))
			perror("churn: pipe");
		pause();
	}
	if (owner < 0 ||
	    read(p[0], &inside, sizeof(inside)) != sizeof(inside) || inside < 0)
		inside = getpid();
	close(p[0]);
	close(p[1]);
	if (unshare(CLONE_NEWTIME))
		perror("churn: unshare");
}

int main(int argc, char **argv)
{
	long calls = 0, ok = 0;
	int clock;
	double end;

	if (argc != 3 || (strcmp(argv[1], "clock") && strcmp(argv[1], "offsets"))) {
		fprintf(stderr, "usage: churn clock|offsets SECONDS\n");
		return 2;
	}
	clock = !strcmp(argv[1], "clock");
	srand(getpid());
	if (!clock)
		start_targets();
	/* The monotonic clock: the wall clock is what "clock" moves */
	end = mono() + atoi(argv[2]);
	while (mono() < end) {
		if (clock ? !set_clock() : !write_offsets())
			ok++;
		calls++;
	}
	printf("churn %s: %ld calls, %ld succeeded\n", argv[1], calls, ok);
	if (!clock) {
		kill(inside, SIGKILL);
		kill(owner, SIGKILL);
		waitpid(owner, NULL, 0);
	}
	return 0;
}
