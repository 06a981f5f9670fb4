// SPDX-License-Identifier: GPL-2.0
/*
 * timens-run: run a command in a new time namespace whose clocks are set
 * as asked, in the manner of util-linux's unshare(1) and faketime(1).
 *
 *   timens-run [options] [--] COMMAND [ARGS...]
 *
 * The wall clock (--date) needs a kernel with per-namespace CLOCK_REALTIME
 * (the timens series); --monotonic and --boottime work on any kernel with
 * time namespaces (Linux 5.6 and later).  Unlike LD_PRELOAD tools this
 * reaches static binaries, raw vDSO callers (Go), timers and children.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o timens-run timens-run.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define VERSION		"1.0"
#define NSEC_PER_SEC	1000000000L
#define OFFSETS		"/proc/self/timens_offsets"

/* Exit codes, as env(1), unshare(1) and faketime(1) use them. */
#define EXIT_TOOL	125	/* timens-run itself failed */
#define EXIT_CANNOT_RUN	126	/* COMMAND found but not executable */
#define EXIT_NOT_FOUND	127	/* COMMAND not found */

static const char *prog = "timens-run";

/* A length of time: calendar months (mo, y) and plain seconds. */
struct span {
	int64_t months;
	int64_t sec;
};

struct options {
	bool date;		/* --date given */
	bool date_relative;	/* ... as +SPAN or -SPAN */
	struct timespec when;	/* absolute --date */
	int64_t date_offset;	/* relative --date: the realtime offset */
	struct timespec base;	/* the caller's own realtime offset */
	bool mono, boot, tai;
	int64_t mono_offset, boot_offset, tai_offset;
	bool map_root;
	bool dry_run;
};

/* "prog: message", then @hint if any, and exit with EXIT_TOOL. */
static void __attribute__((noreturn))
vdie(const char *hint, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (hint)
		fprintf(stderr, hint, prog);
	exit(EXIT_TOOL);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(NULL, fmt, ap);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie("Try '%s --help' for more information.\n", fmt, ap);
}

static void usage(void)
{
	printf(
"Usage: %s [options] [--] COMMAND [ARGS...]\n"
"\n"
"Run COMMAND in a new time namespace with its clocks moved.\n"
"\n"
"Options:\n"
"  -d, --date DATE         the wall clock (CLOCK_REALTIME) reads DATE when\n"
"                          COMMAND starts, and runs on from there\n"
"  -m, --monotonic OFFSET  add OFFSET to CLOCK_MONOTONIC\n"
"  -b, --boottime OFFSET   add OFFSET to CLOCK_BOOTTIME (and /proc/uptime)\n"
"      --tai OFFSET        add OFFSET to CLOCK_TAI, from the host's TAI (written\n"
"                          as given, after --date's offset; without it, the\n"
"                          kernel moves CLOCK_TAI along with --date)\n"
"  -r, --map-root-user     first enter a new user namespace in which the\n"
"                          caller is root, as 'unshare -r' does\n"
"  -n, --dry-run           print the lines that would be written to\n"
"                          " OFFSETS ", and exit\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"DATE is one of:\n"
"  YYYY-MM-DD, YYYY-MM-DD HH:MM, YYYY-MM-DD HH:MM:SS (or with T for the\n"
"      space): UTC, or local time if the TZ variable is set (and not empty);\n"
"      a trailing Z means UTC always\n"
"  @SECONDS[.FRACTION]  seconds since 1970-01-01 00:00:00 UTC\n"
"  +SPAN or -SPAN       that far from now, e.g. +3d, -1y, +2h30m, +1y2d\n"
"SPAN is one or more NUMBER UNIT terms; the sign applies to all of them.\n"
"Units: s, m (minutes), h, d, w, mo (calendar months), y (calendar years).\n"
"Months and years move the date on the calendar (in UTC, or in TZ's local\n"
"time) and keep the day, clamped to the month's last day: -1y from\n"
"2024-02-29 is 2023-02-28.\n"
"OFFSET is seconds, or a SPAN without mo and y; it may be negative.  It is\n"
"written as given, as unshare(1) does: offsets count from the host's\n"
"clocks, even when timens-run runs in a time namespace.  DATE allows for\n"
"the caller's own wall-clock offset.\n"
"The kernel refuses wall-clock dates before 1970 and past 2^62 ns (2116).\n"
"\n"
"--date needs per-namespace CLOCK_REALTIME (the timens kernel series); on\n"
"other kernels it fails with exit status 125.  --monotonic and --boottime\n"
"need time namespaces (Linux 5.6+).  Without -r, timens-run needs\n"
"CAP_SYS_ADMIN (to unshare) and CAP_SYS_TIME (to write the offsets).\n"
"\n"
"Exit status: COMMAND's, or 125 if timens-run fails, 126 if COMMAND is\n"
"found but cannot run, 127 if COMMAND is not found.\n"
"\n"
"Examples:\n"
"  %s --date '2038-01-19 03:14:00' date\n"
"  %s -r --date +1y -- make test\n"
"  %s -r --boottime 1d cat /proc/uptime\n",
	       prog, prog, prog, prog);
}

/* Reads exactly @digits decimal digits at *p into *val. */
static bool read_digits(const char **p, int digits, int *val)
{
	int v = 0;

	for (int i = 0; i < digits; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += digits;
	*val = v;
	return true;
}

static bool leap_year(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int month_days(int64_t year, int month /* 0..11 */)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[month] + (month == 1 && leap_year(year));
}

/* TZ set and not empty: dates are local time; otherwise UTC. */
static bool local_time(void)
{
	const char *tz = getenv("TZ");

	return tz && *tz;
}

/*
 * A SPAN: [+|-]TERM..., TERM being NUMBER UNIT, or one NUMBER alone
 * (seconds).  @calendar allows mo and y.  Returns false on any error.
 */
static bool parse_span(const char *s, bool calendar, struct span *out)
{
	struct span sp = { 0, 0 };
	bool neg = false;
	const char *p = s;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return false;
	while (*p) {
		int64_t n = 0, mult;

		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++)
			if (__builtin_mul_overflow(n, 10, &n) ||
			    __builtin_add_overflow(n, *p - '0', &n))
				return false;
		/* A bare number is seconds, but only as the whole SPAN. */
		if (!*p) {
			if (sp.months || sp.sec)
				return false;
			sp.sec = n;
			break;
		}
		if (p[0] == 'm' && p[1] == 'o') {
			if (!calendar ||
			    __builtin_add_overflow(sp.months, n, &sp.months))
				return false;
			p += 2;
			continue;
		}
		switch (*p++) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case 'w':
			mult = 7 * 86400;
			break;
		case 'y':
			if (!calendar || __builtin_mul_overflow(n, 12, &n) ||
			    __builtin_add_overflow(sp.months, n, &sp.months))
				return false;
			continue;
		default:
			return false;
		}
		if (__builtin_mul_overflow(n, mult, &n) ||
		    __builtin_add_overflow(sp.sec, n, &sp.sec))
			return false;
	}
	if (neg) {
		sp.months = -sp.months;
		sp.sec = -sp.sec;
	}
	*out = sp;
	return true;
}

/* An OFFSET: seconds, or a SPAN without calendar units. */
static int64_t parse_offset(const char *opt, const char *arg)
{
	struct span sp;

	if (!parse_span(arg, false, &sp))
		usage_error("invalid %s offset '%s' (seconds, or e.g. 1d, -2h30m)",
			    opt, arg);
	return sp.sec;
}

/* @SECONDS[.FRACTION] */
static bool parse_epoch(const char *s, struct timespec *t)
{
	int64_t sec = 0;
	long nsec = 0;
	bool neg = false;
	const char *p = s;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(sec, 10, &sec) ||
		    __builtin_add_overflow(sec, *p - '0', &sec))
			return false;
	if (*p == '.') {
		long scale = NSEC_PER_SEC;

		if (*++p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			nsec += (*p - '0') * scale;	/* digits past ns drop */
		}
	}
	if (*p)
		return false;
	if (neg) {
		sec = -sec;
		if (nsec) {
			sec--;
			nsec = NSEC_PER_SEC - nsec;
		}
	}
	t->tv_sec = sec;
	t->tv_nsec = nsec;
	return true;
}

/* YYYY-MM-DD[( |T)HH:MM[:SS]][Z] */
static bool parse_calendar(const char *s, struct timespec *t)
{
	struct tm tm = { .tm_isdst = -1 };
	int year, mon, day, hour = 0, min = 0, sec = 0;
	const char *p = s;
	bool utc = !local_time();

	if (!read_digits(&p, 4, &year) || *p++ != '-' ||
	    !read_digits(&p, 2, &mon) || *p++ != '-' ||
	    !read_digits(&p, 2, &day))
		return false;
	if (*p == ' ' || *p == 'T') {
		p++;
		if (!read_digits(&p, 2, &hour) || *p++ != ':' ||
		    !read_digits(&p, 2, &min))
			return false;
		if (*p == ':') {
			p++;
			if (!read_digits(&p, 2, &sec))
				return false;
		}
	}
	if (*p == 'Z') {
		utc = true;
		p++;
	}
	if (*p || mon < 1 || mon > 12 || day < 1 ||
	    day > month_days(year, mon - 1) || hour > 23 || min > 59 || sec > 59)
		return false;

	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	/* -1 for an error is before 1970 too, and refused as such. */
	t->tv_sec = utc ? timegm(&tm) : mktime(&tm);
	t->tv_nsec = 0;
	return true;
}

/* @now moved by @months on the calendar, day clamped to the month's end. */
static bool add_months(time_t now, int64_t months, time_t *out)
{
	bool local = local_time();
	struct tm tm;
	int64_t mon, year;

	if (!(local ? localtime_r(&now, &tm) : gmtime_r(&now, &tm)))
		return false;
	if (__builtin_add_overflow(months, (int64_t)tm.tm_mon, &mon))
		return false;
	year = (int64_t)tm.tm_year + mon / 12;
	mon %= 12;
	if (mon < 0) {
		mon += 12;
		year--;
	}
	if (year < INT_MIN + 1900 || year > INT_MAX - 1900)
		return false;
	tm.tm_year = year;
	tm.tm_mon = mon;
	if (tm.tm_mday > month_days(year + 1900, mon))
		tm.tm_mday = month_days(year + 1900, mon);
	tm.tm_isdst = -1;
	*out = local ? mktime(&tm) : timegm(&tm);
	return *out != (time_t)-1;
}

static void parse_date(const char *arg, struct options *o)
{
	struct timespec now;
	struct span sp;
	time_t t;

	o->date = true;
	o->date_relative = false;
	if (arg[0] == '@') {
		if (!parse_epoch(arg + 1, &o->when))
			usage_error("invalid date '%s' (@SECONDS expected)", arg);
	} else if (arg[0] == '+' || arg[0] == '-') {
		if (!parse_span(arg, true, &sp))
			usage_error("invalid relative date '%s' (e.g. +3d, -1y, +2h30m)",
				    arg);
		/*
		 * The offset is the span itself; only months and years need
		 * today's date, to know how long they are.
		 */
		clock_gettime(CLOCK_REALTIME, &now);
		t = now.tv_sec;
		if (sp.months && !add_months(t, sp.months, &t))
			fail("date out of range (1970 .. 2^62 ns/2): '%s'", arg);
		if (__builtin_sub_overflow(t, now.tv_sec, &o->date_offset) ||
		    __builtin_add_overflow(o->date_offset, sp.sec, &o->date_offset) ||
		    __builtin_add_overflow(now.tv_sec, o->date_offset, &t))
			fail("date out of range (1970 .. 2^62 ns/2): '%s'", arg);
		if (t < 0)
			fail("date out of range (1970 .. 2^62 ns/2): '%s'", arg);
		o->date_relative = true;
		return;
	} else if (!parse_calendar(arg, &o->when)) {
		usage_error("invalid date '%s' (expected YYYY-MM-DD[ HH:MM[:SS]], @SECONDS or +/-SPAN)",
			    arg);
	}
	/* The kernel says ERANGE too; say it before unsharing anything. */
	if (o->when.tv_sec < 0)
		fail("date out of range (1970 .. 2^62 ns/2): '%s'", arg);
}

/*
 * Offsets count from the host's clock, not the caller's.  Called from a
 * namespace whose wall clock is moved already, DATE must allow for that:
 * this is the caller's realtime offset as /proc/self/timens_offsets shows
 * it (that of the namespace for its children, which is its own unless it
 * unshared without an exec since), or 0 if the file shows none.
 */
static struct timespec own_realtime_offset(void)
{
	struct timespec off = { 0, 0 };
	long long sec;
	char name[32];
	long nsec;
	FILE *f;

	f = fopen(OFFSETS, "re");
	if (!f)
		return off;
	while (fscanf(f, "%31s %lld %ld", name, &sec, &nsec) == 3)
		if (!strcmp(name, "realtime") || !strcmp(name, "0"))
			off = (struct timespec){ sec, nsec };
	fclose(f);
	return off;
}

/* The realtime offset: target minus now, read just before it is written. */
static struct timespec realtime_offset(const struct options *o)
{
	struct timespec now, off;

	if (o->date_relative) {
		off.tv_sec = o->date_offset;
		off.tv_nsec = 0;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		off.tv_sec = o->when.tv_sec - now.tv_sec;
		off.tv_nsec = o->when.tv_nsec - now.tv_nsec;
	}
	off.tv_sec += o->base.tv_sec;
	off.tv_nsec += o->base.tv_nsec;
	if (off.tv_nsec < 0) {
		off.tv_nsec += NSEC_PER_SEC;
		off.tv_sec--;
	} else if (off.tv_nsec >= NSEC_PER_SEC) {
		off.tv_nsec -= NSEC_PER_SEC;
		off.tv_sec++;
	}
	return off;
}

static int format_line(char *buf, size_t size, const char *clock,
		       struct timespec off)
{
	return snprintf(buf, size, "%s %lld %ld\n", clock,
			(long long)off.tv_sec, off.tv_nsec);
}

/*
 * One line per write(), each on a fresh open: the kernel takes a limited
 * number of lines per write and only from file position 0.
 */
static void write_offset(const char *clock, struct timespec off)
{
	char line[80];
	int len = format_line(line, sizeof(line), clock, off);
	ssize_t n;
	int fd, err;

	fd = open(OFFSETS, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("cannot open %s: %s", OFFSETS, strerror(errno));
	n = write(fd, line, len);
	err = n < 0 ? errno : 0;
	close(fd);
	if (n == len)
		return;
	if (n >= 0)
		fail("short write of '%.*s' to %s (%zd of %d bytes)",
		     len - 1, line, OFFSETS, n, len);

	if (err == EINVAL && !strcmp(clock, "realtime"))
		fail("this kernel has no per-namespace CLOCK_REALTIME (writing 'realtime' to %s: %s); --date needs the timens series",
		     OFFSETS, strerror(err));
	if (err == EINVAL && !strcmp(clock, "tai"))
		fail("this kernel has no per-namespace CLOCK_TAI (writing 'tai' to %s: %s); --tai needs the timens series",
		     OFFSETS, strerror(err));
	if (err == ERANGE && !strcmp(clock, "realtime"))
		fail("date out of range (1970 .. 2^62 ns/2)");
	if (err == ERANGE)
		fail("%s offset %lld out of range (writing '%.*s' to %s: %s)",
		     clock, (long long)off.tv_sec, len - 1, line, OFFSETS,
		     strerror(err));
	if (err == EPERM)
		fail("writing '%.*s' to %s: %s (needs CAP_SYS_TIME; run as root or use -r)",
		     len - 1, line, OFFSETS, strerror(err));
	fail("writing '%.*s' to %s: %s", len - 1, line, OFFSETS, strerror(err));
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text);

	if (fd < 0)
		fail("cannot open %s: %s", path, strerror(errno));
	if (write(fd, text, len) != len)
		fail("writing '%s' to %s: %s", text, path, strerror(errno));
	close(fd);
}

/* unshare -r: a user namespace in which the caller's ids are 0. */
static void map_root_user(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER) < 0)
		fail("unshare(CLONE_NEWUSER): %s%s", strerror(errno),
		     errno == EPERM || errno == ENOSPC ?
		     " (are user namespaces disabled? see /proc/sys/user/max_user_namespaces)" : "");
	/* setgroups must be denied before an unprivileged gid_map write. */
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	write_file("/proc/self/gid_map", map);
}

static void new_time_namespace(void)
{
	struct stat st;

	if (stat("/proc/self/ns/time", &st) < 0)
		fail("no time namespaces in this kernel (/proc/self/ns/time: %s)",
		     strerror(errno));
	if (unshare(CLONE_NEWTIME) < 0) {
		if (errno == EPERM)
			fail("unshare(CLONE_NEWTIME): %s; run as root, or use -r (--map-root-user)",
			     strerror(errno));
		if (errno == ENOSPC)
			fail("unshare(CLONE_NEWTIME): %s (see /proc/sys/user/max_time_namespaces)",
			     strerror(errno));
		fail("unshare(CLONE_NEWTIME): %s", strerror(errno));
	}
}

typedef void offset_fn(const char *clock, struct timespec off);

/*
 * Monotonic and boottime first: they can be written only before a task
 * enters.  The wall clock after them, so that its offset is computed as
 * late as possible before COMMAND starts; tai after it, as the kernel
 * moves the tai offset along with every realtime write.
 */
static void for_each_offset(const struct options *o, offset_fn *fn)
{
	if (o->mono)
		fn("monotonic", (struct timespec){ .tv_sec = o->mono_offset });
	if (o->boot)
		fn("boottime", (struct timespec){ .tv_sec = o->boot_offset });
	if (o->date)
		fn("realtime", realtime_offset(o));
	if (o->tai)
		fn("tai", (struct timespec){ .tv_sec = o->tai_offset });
}

static void print_offset(const char *clock, struct timespec off)
{
	char line[80];

	format_line(line, sizeof(line), clock, off);
	fputs(line, stdout);
}

int main(int argc, char *argv[])
{
	enum { OPT_TAI = 256 };
	static const struct option longopts[] = {
		{ "date",		required_argument,	NULL, 'd' },
		{ "monotonic",		required_argument,	NULL, 'm' },
		{ "boottime",		required_argument,	NULL, 'b' },
		{ "tai",		required_argument,	NULL, OPT_TAI },
		{ "map-root-user",	no_argument,		NULL, 'r' },
		{ "dry-run",		no_argument,		NULL, 'n' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct options o = { 0 };
	int c;

	/* '+': stop at COMMAND, so that its own options stay its own. */
	while ((c = getopt_long(argc, argv, "+d:m:b:rnhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			parse_date(optarg, &o);
			break;
		case 'm':
			o.mono = true;
			o.mono_offset = parse_offset("--monotonic", optarg);
			break;
		case 'b':
			o.boot = true;
			o.boot_offset = parse_offset("--boottime", optarg);
			break;
		case OPT_TAI:
			o.tai = true;
			o.tai_offset = parse_offset("--tai", optarg);
			break;
		case 'r':
			o.map_root = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf("%s %s\n", prog, VERSION);
			return 0;
		default:
			/* getopt_long() has named the bad option. */
			fprintf(stderr, "Try '%s --help' for more information.\n",
				prog);
			return EXIT_TOOL;
		}
	}

	if (o.date)
		o.base = own_realtime_offset();
	if (o.dry_run) {
		for_each_offset(&o, print_offset);
		return fflush(stdout) ? EXIT_TOOL : 0;
	}
	if (optind >= argc)
		usage_error("no COMMAND given");

	if (o.map_root)
		map_root_user();
	new_time_namespace();
	for_each_offset(&o, write_offset);

	/* execve() puts this task into the namespace unshare() made. */
	execvp(argv[optind], argv + optind);
	c = errno;
	fprintf(stderr, "%s: failed to execute '%s': %s\n", prog, argv[optind],
		strerror(c));
	return c == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
