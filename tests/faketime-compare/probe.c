// SPDX-License-Identifier: GPL-2.0
/*
 * What a program sees of the wall clock, for tests/integration/
 * faketime-compare.sh, which runs it under faketime(1) and under
 * timens-run --date.  Built twice: fc-probe (dynamic, so that
 * libfaketime's LD_PRELOAD reaches it) and fc-probe-static.
 *
 *   fc-probe now [LABEL]   CLOCK_REALTIME through libc: "LABEL=SEC.NSEC"
 *   fc-probe vdso          through __vdso_clock_gettime, found as Go finds it
 *   fc-probe timerfd       a CLOCK_REALTIME timerfd armed at now + 2 s
 *   fc-probe nanosleep     clock_nanosleep(TIMER_ABSTIME) to now + 1 s
 *   fc-probe children      run fc-probe-static and fc-probe, "now" each
 *   fc-probe cost [N]      ns per clock_gettime(CLOCK_REALTIME) call
 *   fc-probe settime       clock_settime(CLOCK_REALTIME, now + 1 day)
 *   fc-probe realboot      CLOCK_REALTIME - CLOCK_BOOTTIME, by syscall
 *   fc-probe shift SEC     move CLOCK_REALTIME by SEC (to undo a settime)
 *
 * settime and shift set a clock, so they refuse to run outside the test
 * guest (whose kernel command line has vmrun=).
 *
 * Output is KEY=VALUE lines.  The probe's own stopwatch (delays, cost) is
 * CLOCK_MONOTONIC read by raw syscall, which neither libfaketime nor a
 * wall-clock offset touches.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000LL

static void print_ts(const char *key, const struct timespec *ts)
{
	printf("%s=%lld.%09ld\n", key, (long long)ts->tv_sec, ts->tv_nsec);
}

static int64_t ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/* The stopwatch: out of reach of LD_PRELOAD and of wall-clock offsets. */
static int64_t mono_ns(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

static bool in_test_guest(void)
{
	char buf[4096], *tok, *save;
	FILE *f = fopen("/proc/cmdline", "r");
	bool found = false;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		for (tok = strtok_r(buf, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			found |= !strncmp(tok, "vmrun=", 6);
	fclose(f);
	return found;
}

static void guest_only(const char *what)
{
	if (in_test_guest())
		return;
	fprintf(stderr, "fc-probe: %s sets the clock; refused outside the test guest (no vmrun= in /proc/cmdline)\n",
		what);
	exit(4);
}

/*
 * The vDSO's symbol @name of @version, looked up the way Go's runtime
 * does (runtime/vdso_linux.go): the image from AT_SYSINFO_EHDR, its
 * PT_LOAD for the load bias and PT_DYNAMIC for the symbol, string, hash
 * and version tables.  No libc involved, so no LD_PRELOAD can interpose.
 */
static void *vdso_sym(const char *version, const char *name, const char **why)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR), bias = 0;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL, *d;
	const Elf64_Sym *symtab = NULL;
	const Elf64_Versym *versym = NULL;
	const Elf64_Verdef *verdef = NULL;
	const Elf32_Word *hash = NULL, *gnu_hash = NULL;
	const char *strtab = NULL;
	bool have_load = false;
	size_t nsyms = 0;

	if (!base) {
		*why = "no AT_SYSINFO_EHDR";
		return NULL;
	}
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64) {
		*why = "not a 64-bit ELF image";
		return NULL;
	}
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			bias = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = true;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		}
	}
	if (!have_load || !dyn) {
		*why = "no PT_LOAD or PT_DYNAMIC";
		return NULL;
	}

	for (d = dyn; d->d_tag != DT_NULL; d++) {
		uintptr_t p = bias + d->d_un.d_ptr;

		switch (d->d_tag) {
		case DT_STRTAB:
			strtab = (const char *)p;
			break;
		case DT_SYMTAB:
			symtab = (const Elf64_Sym *)p;
			break;
		case DT_HASH:
			hash = (const Elf32_Word *)p;
			break;
		case DT_GNU_HASH:
			gnu_hash = (const Elf32_Word *)p;
			break;
		case DT_VERSYM:
			versym = (const Elf64_Versym *)p;
			break;
		case DT_VERDEF:
			verdef = (const Elf64_Verdef *)p;
			break;
		}
	}
	if (!strtab || !symtab || (!hash && !gnu_hash)) {
		*why = "no string, symbol or hash table";
		return NULL;
	}

	/* The symbol count: nchain of DT_HASH, or the end of the GNU chains. */
	if (hash) {
		nsyms = hash[1];
	} else {
		Elf32_Word nbuckets = gnu_hash[0], symoffset = gnu_hash[1];
		const Elf32_Word *buckets = gnu_hash + 4 + 2 * gnu_hash[2];
		const Elf32_Word *chain = buckets + nbuckets;
		Elf32_Word last = 0;

		for (Elf32_Word b = 0; b < nbuckets; b++)
			if (buckets[b] > last)
				last = buckets[b];
		if (last >= symoffset)
			while (!(chain[last - symoffset] & 1))
				last++;
		nsyms = last >= symoffset ? last + 1 : symoffset;
	}

	for (size_t i = 0; i < nsyms; i++) {
		const Elf64_Sym *sym = &symtab[i];
		const Elf64_Verdef *vd = verdef;
		const Elf64_Verdaux *aux;

		if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
		    (ELF64_ST_BIND(sym->st_info) != STB_GLOBAL &&
		     ELF64_ST_BIND(sym->st_info) != STB_WEAK) ||
		    sym->st_shndx == SHN_UNDEF ||
		    strcmp(strtab + sym->st_name, name))
			continue;
		/* The version, if the image has versions, must match too. */
		if (versym && verdef) {
			Elf64_Half ndx = versym[i] & 0x7fff;

			while (vd->vd_ndx != ndx || (vd->vd_flags & VER_FLG_BASE)) {
				if (!vd->vd_next) {
					vd = NULL;
					break;
				}
				vd = (const Elf64_Verdef *)((const char *)vd + vd->vd_next);
			}
			if (!vd)
				continue;
			aux = (const Elf64_Verdaux *)((const char *)vd + vd->vd_aux);
			if (strcmp(strtab + aux->vda_name, version))
				continue;
		}
		return (void *)(bias + sym->st_value);
	}
	*why = "symbol not found";
	return NULL;
}

static int cmd_vdso(void)
{
	int (*gettime)(clockid_t clk, struct timespec *ts);
	struct timespec ts;
	const char *why = "";

	gettime = vdso_sym("LINUX_2.6", "__vdso_clock_gettime", &why);
	if (!gettime) {
		printf("vdso=error %s\n", why);
		return 1;
	}
	if (gettime(CLOCK_REALTIME, &ts)) {
		printf("vdso=error call failed\n");
		return 1;
	}
	print_ts("vdso", &ts);
	return 0;
}

static int cmd_now(const char *label)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	print_ts(label, &ts);
	return 0;
}

/*
 * Armed at the wall clock the program sees, plus 2 s.  A timer taken as
 * host time fires at once (date in the past) or not for years (future).
 */
static int cmd_timerfd(void)
{
	struct itimerspec its = { 0 };
	struct timespec now, to = { .tv_sec = 6 };
	struct pollfd pfd;
	int64_t t0;
	int fd, n;

	fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	if (fd < 0) {
		printf("timerfd=error timerfd_create: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	print_ts("now", &now);
	its.it_value.tv_sec = now.tv_sec + 2;
	its.it_value.tv_nsec = now.tv_nsec;
	t0 = mono_ns();
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		printf("timerfd=error timerfd_settime: %s\n", strerror(errno));
		return 1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	/* ppoll by syscall: libfaketime wraps poll() */
	n = syscall(SYS_ppoll, &pfd, 1, &to, NULL, (size_t)8);
	if (n < 0) {
		printf("timerfd=error ppoll: %s\n", strerror(errno));
		return 1;
	}
	if (n == 0)
		printf("timerfd=none %.3f\n", (mono_ns() - t0) / 1e9);
	else
		printf("timerfd=%.3f\n", (mono_ns() - t0) / 1e9);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* As timerfd: sleep to now + 1 s, given up after 6 s by a SIGALRM. */
static int cmd_nanosleep(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval guard = { .it_value = { .tv_sec = 6 } };
	struct timespec now, until;
	int64_t t0;
	int err;

	sigaction(SIGALRM, &sa, NULL);
	clock_gettime(CLOCK_REALTIME, &now);
	print_ts("now", &now);
	until = (struct timespec){ now.tv_sec + 1, now.tv_nsec };
	/* setitimer, not alarm(): libfaketime wraps alarm() */
	setitimer(ITIMER_REAL, &guard, NULL);
	t0 = mono_ns();
	err = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL);
	if (err == EINTR)
		printf("nanosleep=none %.3f\n", (mono_ns() - t0) / 1e9);
	else if (err)
		printf("nanosleep=error %s\n", strerror(err));
	else
		printf("nanosleep=%.3f\n", (mono_ns() - t0) / 1e9);
	return 0;
}

/* A static and a dynamic child: does the clock reach across execve()? */
static int cmd_children(void)
{
	static const char *const kids[][2] = {
		{ "fc-probe-static", "static" },
		{ "fc-probe", "dynamic" },
	};
	char self[PATH_MAX], path[PATH_MAX + 32], *slash;
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		perror("fc-probe: /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';

	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		pid_t pid;
		int status;

		snprintf(path, sizeof(path), "%s/%s", self, kids[i][0]);
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fc-probe: fork");
			return 1;
		}
		if (pid == 0) {
			execl(path, kids[i][0], "now", kids[i][1], (char *)NULL);
			printf("%s=error exec %s: %s\n", kids[i][1], path,
			       strerror(errno));
			fflush(stdout);
			_exit(127);
		}
		waitpid(pid, &status, 0);
	}
	return 0;
}

/*
 * N calls (default 2,000,000), cut short after 3 s so that a slow guest
 * or a slow preload library does not stretch the run.
 */
static int cmd_cost(long n)
{
	volatile long sink = 0;
	struct timespec ts;
	int64_t t0, t;
	long i;

	t0 = mono_ns();
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		sink += ts.tv_nsec;
		if ((i & 0xffff) == 0xffff && mono_ns() - t0 > 3 * NSEC_PER_SEC) {
			i++;
			break;
		}
	}
	t = mono_ns() - t0;
	printf("calls=%ld\nns=%.1f\n", i, (double)t / i);
	return 0;
}

static int cmd_settime(void)
{
	struct timespec before, set, after;
	int err = 0;

	guest_only("settime");
	clock_gettime(CLOCK_REALTIME, &before);
	set = (struct timespec){ before.tv_sec + 86400, before.tv_nsec };
	if (clock_settime(CLOCK_REALTIME, &set))
		err = errno;
	clock_gettime(CLOCK_REALTIME, &after);
	print_ts("before", &before);
	printf("settime=%s\n", err ? strerror(err) : "0");
	print_ts("after", &after);
	return 0;
}

static int cmd_realboot(void)
{
	struct timespec rt, bt, d;

	syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt);
	syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &bt);
	d.tv_sec = rt.tv_sec - bt.tv_sec;
	d.tv_nsec = rt.tv_nsec - bt.tv_nsec;
	if (d.tv_nsec < 0) {
		d.tv_nsec += NSEC_PER_SEC;
		d.tv_sec--;
	}
	print_ts("realboot", &d);
	return 0;
}

static int cmd_shift(const char *arg)
{
	struct timespec now;
	long double delta;
	int64_t ns;
	char *end;

	guest_only("shift");
	delta = strtold(arg, &end);
	if (*end || end == arg) {
		fprintf(stderr, "fc-probe: bad shift '%s'\n", arg);
		return 2;
	}
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &now);
	ns = ts_ns(&now) + (int64_t)(delta * NSEC_PER_SEC);
	if (ns < 0) {
		fprintf(stderr, "fc-probe: shift '%s' goes before 1970\n", arg);
		return 2;
	}
	now.tv_sec = ns / NSEC_PER_SEC;
	now.tv_nsec = ns % NSEC_PER_SEC;
	if (syscall(SYS_clock_settime, CLOCK_REALTIME, &now)) {
		printf("shift=error %s\n", strerror(errno));
		return 1;
	}
	print_ts("shift", &now);
	return 0;
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "now"))
		return cmd_now(argc > 2 ? argv[2] : "now");
	if (!strcmp(cmd, "vdso"))
		return cmd_vdso();
	if (!strcmp(cmd, "timerfd"))
		return cmd_timerfd();
	if (!strcmp(cmd, "nanosleep"))
		return cmd_nanosleep();
	if (!strcmp(cmd, "children"))
		return cmd_children();
	if (!strcmp(cmd, "cost"))
		return cmd_cost(argc > 2 && atol(argv[2]) > 0 ? atol(argv[2]) : 2000000);
	if (!strcmp(cmd, "settime"))
		return cmd_settime();
	if (!strcmp(cmd, "realboot"))
		return cmd_realboot();
	if (!strcmp(cmd, "shift") && argc > 2)
		return cmd_shift(argv[2]);
	fprintf(stderr, "usage: fc-probe now [LABEL]|vdso|timerfd|nanosleep|children|cost [N]|settime|realboot|shift SEC\n");
	return 2;
}
