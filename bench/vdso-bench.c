// SPDX-License-Identifier: GPL-2.0
/*
 * vdso-bench: run a kernel's compiled x86-64 vDSO image on the host CPU.
 *
 *   vdso-bench [options] NAME=vdso64.so.dbg [NAME=vdso64.so.dbg ...]
 *
 * Each image's loadable segment is copied to an anonymous mapping, its
 * alternatives are applied for this CPU as the kernel would apply them,
 * and its [vvar] pages are mapped in front of it at the offsets its own
 * symbols give (vvar_start, vvar_page, pvclock_page, hvclock_page and
 * timens_page or vvar_host_page), twice: as the kernel maps them for a
 * task outside any time namespace ("host") and for a task inside one
 * ("ns").  The data page is one page of a memfd, mapped read-only into
 * every image; a second thread updates it like the timekeeper at HZ,
 * under the seq protocol.  The namespace page is filled as that kernel
 * fills it:
 *
 *   mainline 6.12 (the image has "timens_page"): a struct vdso_data[2]
 *     with seq 1, clock_mode VDSO_CLOCKMODE_TIMENS and offset[clock] in
 *     place of basetime, mapped at vvar_page; the data page moves to
 *     timens_page (kernel/time/namespace.c, arch/x86/entry/vdso/vma.c);
 *   this series (the image has "vvar_host_page"): struct
 *     vdso_timens_data (seq 1, clock_mode TIMENS, a packed offset per
 *     clock, offset_seq) where struct vdso_data sits, and again where
 *     the CS_RAW copy sits, mapped at vvar_page; the data page stays
 *     mapped at vvar_host_page for every task.
 *
 * Modes:
 *   --check         readings against the host's own clocks (exit 1 if off
 *                   by more than --tolerance-ns, default 1000)
 *   --bench         hot calls/s and cold cycles, interleaved, N rounds,
 *                   medians; prints markdown and writes --data FILE
 *   --count         for callgrind: each (kernel, case, clock) runs
 *                   --count-calls calls between CALLGRIND_TOGGLE_COLLECT
 *                   and is dumped with CALLGRIND_DUMP_STATS_AT("k c clk")
 *
 * Built with gcc -m32, the same program runs the 32-bit vDSO instead
 * (NAME=vdso32.so.dbg, ELF32): the clocks through __vdso_clock_gettime64
 * (struct __kernel_timespec, two 64-bit words), time() through
 * __vdso_time, gettimeofday() through __vdso_gettimeofday.  Its [vvar]
 * pages are laid out as the 64-bit vDSO's (the same symbols, the same
 * offsets); struct vdso_data and struct vdso_timens_data have the same
 * layout under i386's 4-byte alignment of u64 (asserted below).
 */
#define _GNU_SOURCE
#include <elf.h>
#if defined(__i386__) && !__has_include(<asm/errno.h>)
/*
 * Debian's libc6-dev-i386 without linux-libc-dev:i386 has no <asm/errno.h>
 * for -m32; only errno itself is used here (glibc's definition).
 */
extern int *__errno_location(void);
#define errno (*__errno_location())
#else
#include <errno.h>
#endif
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>
#include <x86intrin.h>
#include <valgrind/callgrind.h>

#ifdef __i386__
/* without -msse2 the SSE2 intrinsics are not there (nor wanted: no -m flags) */
static inline void lfence(void) { asm volatile("lfence" ::: "memory"); }
static inline void mfence(void) { asm volatile("mfence" ::: "memory"); }
static inline void clflush(const void *p) { asm volatile("clflush %0" :: "m"(*(const char *)p)); }
#else
#define lfence()	_mm_lfence()
#define mfence()	_mm_mfence()
#define clflush(p)	_mm_clflush(p)
#endif

#ifdef __i386__
#define ElfW(t)		Elf32_##t
#define VDSO_CLASS	ELFCLASS32
#define VDSO_MACHINE	EM_386
#define VDSO_CGT	"__vdso_clock_gettime64"
#define VDSO_IMAGE	"vdso32.so.dbg"
/* struct __kernel_timespec: what __vdso_clock_gettime64 fills */
typedef struct { long long tv_sec, tv_nsec; } vts_t;
#else
#define ElfW(t)		Elf64_##t
#define VDSO_CLASS	ELFCLASS64
#define VDSO_MACHINE	EM_X86_64
#define VDSO_CGT	"__vdso_clock_gettime"
#define VDSO_IMAGE	"vdso64.so.dbg"
typedef struct timespec vts_t;
#endif

#define PAGE		4096UL
#define NSEC_PER_SEC	1000000000ULL
#define CS_HRES_COARSE	0
#define CS_RAW		1
#define CS_BASES	2
#define VDSO_BASES	12	/* CLOCK_TAI + 1 */
#define CLOCKMODE_TSC	1	/* enum vdso_clock_mode on x86 */
#define CLOCKMODE_TIMENS INT_MAX
#define CLOCKMODE_TIMENS_WALL (INT_MAX - 1)	/* the series: owns its wall clock */
/* The wall clock offset of the namespace that owns one (--wall) */
#define OFF_WALL_SEC	86400
#define OFF_WALL_NSEC	500000000

/* struct vdso_data of both kernels (CONFIG_GENERIC_VDSO_OVERFLOW_PROTECT) */
struct vdso_timestamp { uint64_t sec, nsec; };
struct timens_offset { int64_t sec; uint64_t nsec; };	/* mainline */
struct vdso_data {
	uint32_t seq;
	int32_t clock_mode;
	uint64_t cycle_last;
	uint64_t max_cycles;
	uint64_t mask;
	uint32_t mult;
	uint32_t shift;
	union {
		struct vdso_timestamp basetime[VDSO_BASES];
		struct timens_offset offset[VDSO_BASES];
	};
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
	uint32_t hrtimer_res;
	uint32_t __unused;
};
_Static_assert(sizeof(struct vdso_data) == 248, "struct vdso_data layout");
/* the offsets of the kernel's (x86-64 and i386 alike: no padding anywhere) */
_Static_assert(__builtin_offsetof(struct vdso_data, cycle_last) == 8, "cycle_last");
_Static_assert(__builtin_offsetof(struct vdso_data, max_cycles) == 16, "max_cycles");
_Static_assert(__builtin_offsetof(struct vdso_data, mask) == 24, "mask");
_Static_assert(__builtin_offsetof(struct vdso_data, mult) == 32, "mult");
_Static_assert(__builtin_offsetof(struct vdso_data, shift) == 36, "shift");
_Static_assert(__builtin_offsetof(struct vdso_data, basetime) == 40, "basetime");
_Static_assert(__builtin_offsetof(struct vdso_data, basetime[CLOCK_TAI]) == 40 + 11 * 16,
	       "basetime[CLOCK_TAI]");
_Static_assert(__builtin_offsetof(struct vdso_data, tz_minuteswest) == 232, "tz_minuteswest");
_Static_assert(__builtin_offsetof(struct vdso_data, hrtimer_res) == 240, "hrtimer_res");

/*
 * This series: include/vdso/timens.h.  Slot (clk & 7) ^ 2 of offset[]
 * holds the offset of clock clk, packed (sec << 30 | nsec); slot 0 is seq
 * and clock_mode.
 */
struct vdso_timens_data {
	union {
		struct {
			uint32_t seq;
			int32_t clock_mode;
		};
		uint64_t offset[13];
	};
	uint32_t offset_seq;
	uint32_t flags;
} __attribute__((aligned(64)));
_Static_assert(__builtin_offsetof(struct vdso_timens_data, offset_seq) == 104, "offset_seq");
_Static_assert(sizeof(struct vdso_timens_data) == 128, "struct vdso_timens_data layout");

static unsigned int timens_slot(int clk)
{
	return clk + 1;
}

static uint64_t timens_pack(int64_t sec, uint32_t nsec)
{
	return ((uint64_t)sec << 30) | nsec;
}

/*
 * The namespace's offsets (what `unshare --monotonic/--boottime` sets).
 * The nanoseconds can be set (--mono-nsec, --boot-nsec): a large one
 * makes the sum of a reading's and the offset's nanoseconds carry into
 * the seconds on most reads (BOOTTIME's default, 987654321: about 99%),
 * a small one almost never (MONOTONIC's, 123456789: about 12%).
 */
#define OFF_MONO_SEC	1000000
#define OFF_BOOT_SEC	2000000
static uint32_t off_mono_nsec = 123456789, off_boot_nsec = 987654321;
#define OFF_MONO_NSEC	off_mono_nsec
#define OFF_BOOT_NSEC	off_boot_nsec

typedef int (*cgt_fn)(clockid_t, vts_t *);
typedef long (*time_fn)(long *);
typedef int (*gtod_fn)(struct timeval *, void *);

enum kind { K_MAINLINE, K_SERIES, K_PLAIN };
enum { C_HOST, C_NS, NCASES };
static const char *case_name[NCASES] = { "host", "ns" };

struct image {
	const char *name, *path;
	enum kind kind;
	long vvar_start, vvar_page, pvclock_page, hvclock_page, timens_page, host_page;
	long vdso_data_off;		/* offset of struct vdso_data in its page */
	size_t text_size;
	unsigned char *text;		/* the loadable segment, from the file */
	size_t text_len;
	long sym_cgt, sym_time, sym_gtod;
	struct alt { long instr, repl; uint16_t cpuid; uint8_t ilen, rlen; } *alts;
	int nalts, patched;
	struct region {
		unsigned char *base;	/* where vvar_start lands */
		cgt_fn cgt; time_fn time; gtod_fn gtod;
		unsigned char *flush[2];/* data pages this case maps, for clflush */
		int nflush;
	} r[NCASES], wall;		/* wall: the series, a namespace owning its wall clock */
};

#define MAXIMG 4
static struct image img[MAXIMG];
static int nimg;

static int memfd;
static unsigned char *pages_rw;	/* 0: data page, 1: mainline ns, 2: series ns */
static long data_off = 128;	/* struct vdso_data in the page (x86: 128) */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vdso-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* ---- TSC and the timekeeper ---------------------------------------- */

static inline uint64_t rdtsc_fenced(void)
{
	uint64_t t;

	lfence();
	t = __rdtsc();
	lfence();
	return t;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/* a reading of the vDSO's */
static uint64_t vts_ns(const vts_t *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static uint64_t clk_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts_ns(&ts);
}

static double tsc_hz_raw, tsc_hz_mono;	/* TSC ticks per second of each clock */
static uint32_t mult_raw, mult_mono, tk_shift;
static uint64_t tk_max_cycles;
static int hz = 250;

/* kernel/time/clocksource.c, clocks_calc_mult_shift() */
static void calc_mult_shift(uint32_t *mult, uint32_t *shift, uint32_t from,
			    uint32_t to, uint32_t maxsec)
{
	uint64_t tmp;
	uint32_t sft, sftacc = 32;

	tmp = ((uint64_t)maxsec * from) >> 32;
	while (tmp) {
		tmp >>= 1;
		sftacc--;
	}
	for (sft = 32; sft > 0; sft--) {
		tmp = (uint64_t)to << sft;
		tmp += from / 2;
		tmp /= from;
		if ((tmp >> sftacc) == 0)
			break;
	}
	*mult = tmp;
	*shift = sft;
}

/*
 * The TSC's rate against CLOCK_MONOTONIC_RAW (the clocksource's own mult)
 * and CLOCK_MONOTONIC (NTP-adjusted, tkr_mono.mult), over @ms.
 */
static void calibrate(int ms)
{
	uint64_t t0, t1, r0, r1, m0, m1, a, b;
	struct timespec d = { 0, ms * 1000000L };
	uint32_t khz, maxadj;

	a = rdtsc_fenced(); r0 = clk_ns(CLOCK_MONOTONIC_RAW); m0 = clk_ns(CLOCK_MONOTONIC);
	b = rdtsc_fenced(); t0 = (a + b) / 2;
	nanosleep(&d, NULL);
	a = rdtsc_fenced(); r1 = clk_ns(CLOCK_MONOTONIC_RAW); m1 = clk_ns(CLOCK_MONOTONIC);
	b = rdtsc_fenced(); t1 = (a + b) / 2;
	tsc_hz_raw = (double)(t1 - t0) * 1e9 / (double)(r1 - r0);
	tsc_hz_mono = (double)(t1 - t0) * 1e9 / (double)(m1 - m0);

	/* arch/x86/kernel/tsc.c registers tsc_khz with scale 1000 */
	khz = (uint32_t)(tsc_hz_raw / 1000 + 0.5);
	calc_mult_shift(&mult_raw, &tk_shift, khz, NSEC_PER_SEC / 1000, 600 * 1000);
	mult_mono = (uint32_t)((double)mult_raw * tsc_hz_raw / tsc_hz_mono + 0.5);
	maxadj = (uint64_t)mult_raw * 11 / 100;
	tk_max_cycles = UINT64_MAX / (mult_raw + maxadj);
}

/*
 * Read host clock @c and bring it back to the moment @at (TSC), through
 * the TSC readings around the read.
 */
static void clock_at(clockid_t c, uint64_t at, double hz_, uint64_t *sec, uint64_t *nsec)
{
	uint64_t a, b, v, best_v = 0, best_mid = 0, best_w = UINT64_MAX;
	double back;

	/* the tightest of a few reads: a preemption must not skew the tick */
	for (int i = 0; i < 8; i++) {
		a = rdtsc_fenced();
		v = clk_ns(c);
		b = rdtsc_fenced();
		if (b - a < best_w) {
			best_w = b - a;
			best_v = v;
			best_mid = a + (b - a) / 2;
		}
	}
	back = (double)(int64_t)(best_mid - at) * 1e9 / hz_;
	v = best_v - (uint64_t)(int64_t)(back + 0.5);
	*sec = v / NSEC_PER_SEC;
	*nsec = v % NSEC_PER_SEC;
}

static struct vdso_data *host_vd(void)
{
	return (struct vdso_data *)(pages_rw + data_off);
}

/* kernel/time/vsyscall.c update_vsyscall(), from the host's clocks */
static void tk_update(void)
{
	struct vdso_data *vd = host_vd();
	uint64_t now, rs, rn, ms, mn, bs, bn, ts_, tn, ws, wn;

	now = rdtsc_fenced() & INT64_MAX;
	clock_at(CLOCK_REALTIME, now, tsc_hz_mono, &rs, &rn);
	clock_at(CLOCK_MONOTONIC, now, tsc_hz_mono, &ms, &mn);
	clock_at(CLOCK_BOOTTIME, now, tsc_hz_mono, &bs, &bn);
	clock_at(CLOCK_TAI, now, tsc_hz_mono, &ts_, &tn);
	clock_at(CLOCK_MONOTONIC_RAW, now, tsc_hz_raw, &ws, &wn);

	__atomic_store_n(&vd[CS_HRES_COARSE].seq, vd[CS_HRES_COARSE].seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&vd[CS_RAW].seq, vd[CS_RAW].seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */

	for (int i = 0; i < CS_BASES; i++) {
		vd[i].clock_mode = CLOCKMODE_TSC;
		vd[i].cycle_last = now;
		vd[i].max_cycles = tk_max_cycles;
		vd[i].mask = UINT64_MAX;
		vd[i].shift = tk_shift;
	}
	vd[CS_HRES_COARSE].mult = mult_mono;
	vd[CS_RAW].mult = mult_raw;
	vd[0].basetime[CLOCK_REALTIME] = (struct vdso_timestamp){ rs, rn << tk_shift };
	vd[0].basetime[CLOCK_REALTIME_COARSE] = (struct vdso_timestamp){ rs, rn };
	vd[0].basetime[CLOCK_MONOTONIC] = (struct vdso_timestamp){ ms, mn << tk_shift };
	vd[0].basetime[CLOCK_MONOTONIC_COARSE] = (struct vdso_timestamp){ ms, mn };
	vd[0].basetime[CLOCK_BOOTTIME] = (struct vdso_timestamp){ bs, bn << tk_shift };
	vd[0].basetime[CLOCK_TAI] = (struct vdso_timestamp){ ts_, tn << tk_shift };
	vd[CS_RAW].basetime[CLOCK_MONOTONIC_RAW] = (struct vdso_timestamp){ ws, wn << tk_shift };
	vd[0].hrtimer_res = 1;

	__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */
	__atomic_store_n(&vd[CS_HRES_COARSE].seq, vd[CS_HRES_COARSE].seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&vd[CS_RAW].seq, vd[CS_RAW].seq + 1, __ATOMIC_RELAXED);
}

static volatile int tk_stop;
static volatile unsigned long tk_ticks;

static void *tk_thread(void *arg)
{
	struct timespec next;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!tk_stop) {
		next.tv_nsec += NSEC_PER_SEC / hz;
		if (next.tv_nsec >= (long)NSEC_PER_SEC) {
			next.tv_nsec -= NSEC_PER_SEC;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		tk_update();
		tk_ticks++;
	}
	return NULL;
}

/* ---- the namespace pages -------------------------------------------- */

static void fill_ns_pages(void)
{
	struct vdso_data *m = (struct vdso_data *)(pages_rw + PAGE + data_off);
	struct vdso_timens_data *s = (void *)(pages_rw + 2 * PAGE + data_off);
	struct vdso_data *sraw = (struct vdso_data *)s + CS_RAW;
	struct timens_offset mono = { OFF_MONO_SEC, OFF_MONO_NSEC };
	struct timens_offset boot = { OFF_BOOT_SEC, OFF_BOOT_NSEC };

	/* mainline: timens_setup_vdso_data() for each of CS_BASES */
	for (int i = 0; i < CS_BASES; i++) {
		m[i].seq = 1;
		m[i].clock_mode = CLOCKMODE_TIMENS;
		m[i].offset[CLOCK_MONOTONIC] = mono;
		m[i].offset[CLOCK_MONOTONIC_RAW] = mono;
		m[i].offset[CLOCK_MONOTONIC_COARSE] = mono;
		m[i].offset[CLOCK_BOOTTIME] = boot;
		m[i].offset[CLOCK_BOOTTIME_ALARM] = boot;
	}
	/*
	 * series: timens_init_vvar_page() and timens_publish_offsets(), for
	 * both heads (the CLOCK_MONOTONIC_RAW one too); realtime and tai
	 * offsets stay 0.
	 */
	for (int h = 0; h < 2; h++) {
		struct vdso_timens_data *t = h ? (void *)sraw : (void *)s;

		t->seq = 1;
		t->clock_mode = CLOCKMODE_TIMENS;
		t->offset_seq = 2;
		t->offset[timens_slot(CLOCK_MONOTONIC)] =
			timens_pack(OFF_MONO_SEC, OFF_MONO_NSEC);
		t->offset[timens_slot(CLOCK_MONOTONIC_RAW)] =
			timens_pack(OFF_MONO_SEC, OFF_MONO_NSEC);
		t->offset[timens_slot(CLOCK_MONOTONIC_COARSE)] =
			timens_pack(OFF_MONO_SEC, OFF_MONO_NSEC);
		t->offset[timens_slot(CLOCK_BOOTTIME)] =
			timens_pack(OFF_BOOT_SEC, OFF_BOOT_NSEC);
	}
	/* page 3: the same namespace, owning its wall clock (tai moves along) */
	memcpy(pages_rw + 3 * PAGE, pages_rw + 2 * PAGE, PAGE);
	for (int h = 0; h < 2; h++) {
		struct vdso_timens_data *t = (void *)(pages_rw + 3 * PAGE + data_off);

		t = h ? (void *)((struct vdso_data *)t + CS_RAW) : t;
		t->clock_mode = CLOCKMODE_TIMENS_WALL;
		t->offset[timens_slot(CLOCK_REALTIME)] = timens_pack(OFF_WALL_SEC, OFF_WALL_NSEC);
		t->offset[timens_slot(CLOCK_REALTIME_COARSE)] =
			timens_pack(OFF_WALL_SEC, OFF_WALL_NSEC);
		t->offset[timens_slot(CLOCK_TAI)] = timens_pack(OFF_WALL_SEC, OFF_WALL_NSEC);
	}
}

/* ---- loading an image ------------------------------------------------ */

static bool cpu_has(uint16_t feature)
{
	unsigned int a, b, c, d;

	switch (feature) {
	case 1 * 32 + 27:	/* X86_FEATURE_RDTSCP */
		return __get_cpuid(0x80000001, &a, &b, &c, &d) && (d >> 27 & 1);
	case 20 * 32 + 2:	/* X86_FEATURE_LFENCE_RDTSC: amd.c/intel.c set it with SSE2 */
		return __get_cpuid(1, &a, &b, &c, &d) && (d >> 26 & 1);
	case 16 * 32 + 22:	/* X86_FEATURE_RDPID */
		return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c >> 22 & 1);
	case 3 * 32 + 15:	/* X86_FEATURE_SYSENTER32 */
	case 3 * 32 + 14:	/* X86_FEATURE_SYSCALL32 */
		/*
		 * The 32-bit vDSO's __kernel_vsyscall only, which no clock
		 * reading reaches but the fallback: left at int $0x80.
		 */
		return false;
	}
	return false;
}

static bool cpu_knows(uint16_t feature)
{
	return feature == 1 * 32 + 27 || feature == 20 * 32 + 2 || feature == 16 * 32 + 22 ||
	       feature == 3 * 32 + 15 || feature == 3 * 32 + 14;
}

static void load_image(struct image *im)
{
	int fd = open(im->path, O_RDONLY);
	off_t size;	/* lseek(): <sys/stat.h> needs <asm/types.h> under -m32 */
	unsigned char *f;
	ElfW(Ehdr) *eh;
	ElfW(Shdr) *sh;
	const char *shstr;

	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 0)
		die("%s: %s", im->path, strerror(errno));
	f = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		die("%s: mmap: %s", im->path, strerror(errno));
	close(fd);
	eh = (ElfW(Ehdr) *)f;
	if ((size_t)size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != VDSO_CLASS || eh->e_machine != VDSO_MACHINE)
		die("%s: not an ELF file for this build's vDSO (%s)", im->path, VDSO_IMAGE);

	for (int i = 0; i < eh->e_phnum; i++) {
		ElfW(Phdr) *ph = (ElfW(Phdr) *)(f + eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset || ph->p_vaddr || im->text)
			die("%s: expected one PT_LOAD at offset and address 0", im->path);
		im->text = f;
		im->text_len = ph->p_filesz;
		im->text_size = (ph->p_memsz + PAGE - 1) & ~(PAGE - 1);
	}
	if (!im->text)
		die("%s: no PT_LOAD", im->path);

	sh = (ElfW(Shdr) *)(f + eh->e_shoff);
	shstr = (const char *)f + sh[eh->e_shstrndx].sh_offset;
	im->sym_cgt = im->sym_time = im->sym_gtod = -1;
	im->timens_page = im->host_page = 0;
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *sn = shstr + sh[i].sh_name;

		if (sh[i].sh_type == SHT_SYMTAB) {
			ElfW(Sym) *sym = (ElfW(Sym) *)(f + sh[i].sh_offset);
			const char *str = (const char *)f + sh[sh[i].sh_link].sh_offset;
			size_t n = sh[i].sh_size / sizeof(*sym);

			for (size_t j = 0; j < n; j++) {
				const char *nm = str + sym[j].st_name;
				long v = (long)sym[j].st_value;

				if (!strcmp(nm, "vvar_start")) im->vvar_start = v;
				else if (!strcmp(nm, "vvar_page")) im->vvar_page = v;
				else if (!strcmp(nm, "pvclock_page")) im->pvclock_page = v;
				else if (!strcmp(nm, "hvclock_page")) im->hvclock_page = v;
				else if (!strcmp(nm, "timens_page")) im->timens_page = v;
				else if (!strcmp(nm, "vvar_host_page")) im->host_page = v;
				else if (!strcmp(nm, "vvar__vdso_data")) im->vdso_data_off = v;
				else if (!strcmp(nm, VDSO_CGT)) im->sym_cgt = v;
				else if (!strcmp(nm, "__vdso_time")) im->sym_time = v;
				else if (!strcmp(nm, "__vdso_gettimeofday")) im->sym_gtod = v;
			}
		} else if (!strcmp(sn, ".altinstructions")) {
			unsigned char *p = f + sh[i].sh_offset;

			im->nalts = sh[i].sh_size / 14;	/* struct alt_instr, packed */
			im->alts = calloc(im->nalts, sizeof(*im->alts));
			for (int j = 0; j < im->nalts; j++, p += 14) {
				int32_t io, ro;
				uint32_t ff;
				long at = sh[i].sh_addr + j * 14;

				memcpy(&io, p, 4);
				memcpy(&ro, p + 4, 4);
				memcpy(&ff, p + 8, 4);
				im->alts[j] = (struct alt){ at + io, at + 4 + ro, ff & 0xffff, p[12], p[13] };
			}
		}
	}
	if (!im->vvar_start || !im->vvar_page || im->sym_cgt < 0 || im->sym_time < 0 ||
	    im->sym_gtod < 0 || !im->vdso_data_off)
		die("%s: missing vvar or vDSO symbols", im->path);
	im->vdso_data_off -= im->vvar_page;
	if (im->timens_page)
		im->kind = K_MAINLINE;
	else if (im->host_page)
		im->kind = K_SERIES;
	else
		im->kind = K_PLAIN;
}

/*
 * apply_alternatives() for this CPU: later entries for the same place win
 * (ALTERNATIVE_2), the rest of the original is padded with NOPs.  Only the
 * replacements found in the vDSO (rdtsc/lfence/rdtscp, rdpid) are known;
 * they hold no relative branches.
 */
static void apply_alts(struct image *im, unsigned char *text)
{
	static const unsigned char nops[][8] = {
		{ 0 }, { 0x90 }, { 0x66, 0x90 }, { 0x0f, 0x1f, 0x00 },
		{ 0x0f, 0x1f, 0x40, 0x00 }, { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	};

	for (int j = 0; j < im->nalts; j++) {
		struct alt *a = &im->alts[j];

		if (!cpu_knows(a->cpuid))
			die("%s: alternative for unknown feature %d*32+%d",
			    im->path, a->cpuid / 32, a->cpuid % 32);
		if (!cpu_has(a->cpuid))
			continue;
		if (a->rlen > a->ilen || a->ilen - a->rlen > 5)
			die("%s: unexpected alternative lengths", im->path);
		memcpy(text + a->instr, im->text + a->repl, a->rlen);
		memcpy(text + a->instr + a->rlen, nops[a->ilen - a->rlen], a->ilen - a->rlen);
		im->patched++;
	}
}

static void map_page(unsigned char *at, int memfd_page)
{
	void *p;

	if (memfd_page < 0)
		p = mmap(at, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else
		p = mmap(at, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, memfd, memfd_page * PAGE);
	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
}

/* Case @c; with @wall (the series only), the namespace owning its wall clock */
static void map_image(struct image *im, int c, bool wall)
{
	struct region *r = wall ? &im->wall : &im->r[c];
	size_t vsize = -im->vvar_start, total = vsize + im->text_size;
	unsigned char *base, *text;
	int nspage = im->kind == K_MAINLINE ? 1 : wall ? 3 : 2;

	base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	r->base = base;
	text = base + vsize;
	if (mmap(text, im->text_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memcpy(text, im->text, im->text_len);
	im->patched = 0;
	apply_alts(im, text);
	if (mprotect(text, im->text_size, PROT_READ | PROT_EXEC))
		die("mprotect: %s", strerror(errno));

	/* vvar_fault(): pvclock and hvclock pages are not in use (SIGBUS) */
	map_page(text + im->pvclock_page, -1);
	map_page(text + im->hvclock_page, -1);
	if (c == C_HOST || im->kind == K_PLAIN) {
		map_page(text + im->vvar_page, 0);
		r->flush[0] = text + im->vvar_page;
		r->nflush = 1;
		if (im->kind == K_SERIES) {	/* vvar_host_page: the data page again */
			map_page(text + im->host_page, 0);
			r->flush[1] = text + im->host_page;
			r->nflush = 2;
		} else if (im->kind == K_MAINLINE) {
			map_page(text + im->timens_page, -1);	/* SIGBUS outside a ns */
		}
	} else {
		long other = im->kind == K_MAINLINE ? im->timens_page : im->host_page;

		map_page(text + im->vvar_page, nspage);
		map_page(text + other, 0);
		r->flush[0] = text + im->vvar_page;
		r->flush[1] = text + other;
		r->nflush = 2;
	}
	r->cgt = (cgt_fn)(text + im->sym_cgt);
	r->time = (time_fn)(text + im->sym_time);
	r->gtod = (gtod_fn)(text + im->sym_gtod);
}

/* ---- clocks ---------------------------------------------------------- */

enum { T_TIME = -1 };
/* .off: 'm' monotonic's offset, 'b' boottime's, 0 none (set in main()) */
static struct clk { const char *name; int id; bool coarse; bool ns_offset; uint64_t off; } clocks[] = {
	{ "MONOTONIC", CLOCK_MONOTONIC, false, true, 'm' },
	{ "BOOTTIME", CLOCK_BOOTTIME, false, true, 'b' },
	{ "REALTIME", CLOCK_REALTIME, false, false, 0 },
	{ "TAI", CLOCK_TAI, false, false, 0 },
	{ "MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE, true, true, 'm' },
	{ "REALTIME_COARSE", CLOCK_REALTIME_COARSE, true, false, 0 },
	{ "MONOTONIC_RAW", CLOCK_MONOTONIC_RAW, false, true, 'm' },
	{ "time()", T_TIME, true, false, 0 },
};
#define NCLK (int)(sizeof(clocks) / sizeof(clocks[0]))

static int fine_id(const struct clk *c)
{
	switch (c->id) {
	case CLOCK_MONOTONIC_COARSE: return CLOCK_MONOTONIC;
	case CLOCK_REALTIME_COARSE: case T_TIME: return CLOCK_REALTIME;
	}
	return c->id;
}

/* ---- --check ----------------------------------------------------------- */

static int check(double tol_ns, int ms)
{
	int bad = 0;

	printf("| kernel | case | clock | samples | worst error (ns) | bound (ns) | verdict |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < nimg; i++) {
		for (int c = 0; c < NCASES; c++) {
			struct region *r = &img[i].r[c];

			if (c == C_NS && img[i].kind == K_PLAIN)
				continue;
			for (int k = 0; k < NCLK; k++) {
				const struct clk *ck = &clocks[k];
				uint64_t off = c == C_NS ? ck->off : 0;
				uint64_t end = clk_ns(CLOCK_MONOTONIC) + ms * 1000000ULL;
				double worst = 0, bound;
				long n = 0;

				/* coarse clocks: the clock at the last tick, see below */
				bound = tol_ns;
				while (clk_ns(CLOCK_MONOTONIC) < end) {
					vts_t ts;
					uint64_t before, after, v, seq0, last, w, ta, tb;
					double err = 0;

					seq0 = __atomic_load_n(&host_vd()->seq, __ATOMIC_ACQUIRE);
					last = host_vd()->cycle_last;
					before = clk_ns(fine_id(ck));
					if (ck->id == T_TIME) {
						v = r->time(NULL) * NSEC_PER_SEC;
					} else {
						if (r->cgt(ck->id, &ts))
							die("%s %s %s: clock_gettime failed",
							    img[i].name, case_name[c], ck->name);
						v = vts_ns(&ts) - off;
					}
					ta = rdtsc_fenced();
					after = clk_ns(fine_id(ck));
					tb = rdtsc_fenced();
					if (ck->coarse) {
						/*
						 * The clock at the last tick: the real clock at
						 * "after", less the time since cycle_last.
						 */
						uint64_t now = (ta + (tb - ta) / 2) & INT64_MAX, tick;

						if ((seq0 & 1) || __atomic_load_n(&host_vd()->seq,
								__ATOMIC_ACQUIRE) != seq0 ||
						    tb - ta > tsc_hz_mono / 1e6)
							continue;	/* a tick or a preemption in between */
						tick = after - (uint64_t)((double)(now - last) * 1e9 / tsc_hz_mono);
						/* the tick's value, within the time the reads took */
						w = after - before;
						if (ck->id == T_TIME) {
							/* whole seconds, either side of a second boundary */
							uint64_t rem = tick % NSEC_PER_SEC;
							uint64_t d = rem < NSEC_PER_SEC / 2 ? rem : NSEC_PER_SEC - rem;

							if (v / NSEC_PER_SEC != tick / NSEC_PER_SEC &&
							    (d > w + tol_ns ||
							     llabs((long long)(v / NSEC_PER_SEC) -
								   (long long)((tick + NSEC_PER_SEC / 2) / NSEC_PER_SEC)) > 0))
								err = fabs((double)(int64_t)(v - tick));
						} else {
							err = fabs((double)(int64_t)(v - tick));
							err = err > (double)w ? err - (double)w : 0;
						}
					} else if ((int64_t)(v - after) > 0) {
						err = (double)(int64_t)(v - after);
					} else if ((int64_t)(before - v) > 0) {
						err = (double)(int64_t)(before - v);
					}
					if (err > worst)
						worst = err;
					n++;
					if (n % 64 == 0)
						usleep(37);	/* spread over many ticks */
				}
				printf("| %s | %s | %s | %ld | %.0f | %.0f | %s |\n", img[i].name,
				       case_name[c], ck->name, n, worst, bound,
				       worst <= bound ? "ok" : "FAIL");
				bad |= worst > bound;
			}
			/* gettimeofday() as well */
			{
				struct timeval tv;
				uint64_t before = clk_ns(CLOCK_REALTIME), v, after;
				double err = 0;

				if (r->gtod(&tv, NULL))
					die("gettimeofday failed");
				after = clk_ns(CLOCK_REALTIME);
				v = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000ULL;
				if ((int64_t)(v - after) > 0)
					err = (double)(int64_t)(v - after);
				if ((int64_t)(before - v) > 1000 + (int64_t)tol_ns)
					err = (double)(int64_t)(before - v) - 1000;
				printf("| %s | %s | gettimeofday() | 1 | %.0f | %.0f | %s |\n", img[i].name,
				       case_name[c], err, tol_ns, err <= tol_ns ? "ok" : "FAIL");
				bad |= err > tol_ns;
			}
		}
	}
	return bad;
}

/* ---- --bench ----------------------------------------------------------- */

static vts_t sink;

static __attribute__((noinline)) uint64_t hot_cgt(cgt_fn f, int id, long n)
{
	uint64_t t0 = rdtsc_fenced();

	for (long i = 0; i < n; i++)
		f(id, &sink);
	return rdtsc_fenced() - t0;
}

static __attribute__((noinline)) uint64_t hot_time(time_fn f, long n)
{
	uint64_t t0 = rdtsc_fenced();

	for (long i = 0; i < n; i++)
		f(NULL);
	return rdtsc_fenced() - t0;
}

/*
 * The second calling loop: the clock id reloaded from memory and the
 * function called through a pointer in memory, as a C library's wrapper
 * does (glibc keeps the vDSO entry in a global), rather than both held in
 * registers by the loop.
 */
static cgt_fn volatile mem_cgt;
static time_fn volatile mem_time;
static volatile int mem_id;

static __attribute__((noinline)) uint64_t hot_cgt_mem(cgt_fn f, int id, long n)
{
	uint64_t t0;

	mem_cgt = f;
	mem_id = id;
	t0 = rdtsc_fenced();
	for (long i = 0; i < n; i++)
		mem_cgt(mem_id, &sink);
	return rdtsc_fenced() - t0;
}

static __attribute__((noinline)) uint64_t hot_time_mem(time_fn f, long n)
{
	uint64_t t0;

	mem_time = f;
	t0 = rdtsc_fenced();
	for (long i = 0; i < n; i++)
		mem_time(NULL);
	return rdtsc_fenced() - t0;
}

static inline void flush_region(struct region *r)
{
	for (int p = 0; p < r->nflush; p++)
		for (unsigned long o = 0; o < PAGE; o += 64)
			clflush(r->flush[p] + o);
	mfence();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_d(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double cold_one(struct region *r, const struct clk *ck, uint64_t *buf, int samples)
{
	for (int s = 0; s < samples; s++) {
		uint64_t t0, t1;

		flush_region(r);
		if (ck->id == T_TIME) {
			t0 = rdtsc_fenced();
			r->time(NULL);
			t1 = rdtsc_fenced();
		} else {
			t0 = rdtsc_fenced();
			r->cgt(ck->id, &sink);
			t1 = rdtsc_fenced();
		}
		buf[s] = t1 - t0;
	}
	/*
	 * The mean of the middle half: the TSC here may advance in steps (26
	 * ticks on the machine this was written on), which would quantise a
	 * plain median to that step.
	 */
	qsort(buf, samples, sizeof(*buf), cmp_u64);
	{
		int lo = samples / 4, hi = samples - samples / 4;
		double sum = 0;

		if (hi <= lo)
			return buf[samples / 2];
		for (int s = lo; s < hi; s++)
			sum += buf[s];
		return sum / (hi - lo);
	}
}

/* a function that only returns: the cost of the measurement itself */
int empty_fn(clockid_t c, vts_t *ts);
long empty_time(long *t);
asm(".text\n.globl empty_fn\n.type empty_fn,@function\nempty_fn:\n\tret\n"
    ".globl empty_time\n.type empty_time,@function\nempty_time:\n\tret\n");

/*
 * Hot figures of both calling loops side by side: ns/host per kernel and
 * series/mainline per case, each the median of the per-round ratios.  A
 * difference is real only where both loops show it.
 */
static void print_loop2(double hot[MAXIMG][NCASES][NCLK][64],
			double hot2[MAXIMG][NCASES][NCLK][64], int rounds)
{
	double v[64];

	if (nimg < 2 || img[0].kind == K_PLAIN || img[1].kind == K_PLAIN)
		return;
	printf("\nHot, both calling loops (loop 1: clock id and function in registers; loop 2: "
	       "both reloaded from memory, indirect call). Medians of the per-round ratios:\n\n"
	       "| clock | %s ns/host, loop 1 | loop 2 | %s ns/host, loop 1 | loop 2 | "
	       "%s/%s host, loop 1 | loop 2 | %s/%s ns, loop 1 | loop 2 | loop 2 M calls/s: "
	       "%s host, %s ns, %s host, %s ns |\n|---|---|---|---|---|---|---|---|---|---|\n",
	       img[0].name, img[1].name, img[1].name, img[0].name, img[1].name, img[0].name,
	       img[0].name, img[0].name, img[1].name, img[1].name);
	for (int k = 0; k < NCLK; k++) {
		double (*h[2])[NCASES][NCLK][64] = { hot, hot2 };

		printf("| %s |", clocks[k].name);
		for (int i = 0; i < 2; i++)
			for (int l = 0; l < 2; l++) {
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = h[l][i][C_NS][k][rd] / h[l][i][C_HOST][k][rd];
				printf(" %.3f |", median_d(v, rounds));
			}
		for (int c = 0; c < NCASES; c++)
			for (int l = 0; l < 2; l++) {
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = h[l][1][c][k][rd] / h[l][0][c][k][rd];
				printf(" %.3f |", median_d(v, rounds));
			}
		for (int i = 0; i < 2; i++)
			for (int c = 0; c < NCASES; c++) {
				memcpy(v, hot2[i][c][k], rounds * sizeof(double));
				printf("%s%.1f", i + c ? ", " : " ", median_d(v, rounds) / 1e6);
			}
		printf(" |\n");
	}
}

static __attribute__((noinline)) uint64_t hot_gtod(gtod_fn f, long n)
{
	struct timeval tv;
	uint64_t t0 = rdtsc_fenced();

	for (long i = 0; i < n; i++)
		f(&tv, NULL);
	return rdtsc_fenced() - t0;
}

/*
 * --wall: the series' wall clock readers in a namespace that owns its
 * wall clock (realtime +86400.5 s), against the same image on the host
 * and in a namespace that does not own one.  A self-check first: each
 * reading within @tol_ns (1 s for time()) of the host's clock plus the
 * offset.  Hot calls/s, loop 1 and loop 2 (see hot_cgt_mem()).
 */
static int bench_wall(int rounds, double hot_ms)
{
	static const struct { const char *name; int id; } wc[] = {
		{ "REALTIME", CLOCK_REALTIME }, { "TAI", CLOCK_TAI },
		{ "REALTIME_COARSE", CLOCK_REALTIME_COARSE }, { "time()", T_TIME },
		{ "gettimeofday()", -2 },
	};
	enum { NW = sizeof(wc) / sizeof(wc[0]) };
	static double h[3][2][NW][64];
	const uint64_t off = OFF_WALL_SEC * NSEC_PER_SEC + OFF_WALL_NSEC;
	struct image *im = NULL;
	double v[64];
	long n_hot;
	int bad = 0;

	for (int i = 0; i < nimg; i++)
		if (img[i].kind == K_SERIES)
			im = &img[i];
	if (!im)
		die("--wall needs the series' image");
	if (rounds > 64)
		rounds = 64;

	/* self-check, each clock of the owning namespace against host + offset */
	for (int k = 0; k < NW; k++) {
		struct region *r = &im->wall;
		uint64_t before, after, got;
		vts_t ts;
		struct timeval tv;
		clockid_t hc = wc[k].id == CLOCK_TAI ? CLOCK_TAI : CLOCK_REALTIME;
		bool coarse = wc[k].id == CLOCK_REALTIME_COARSE || wc[k].id == T_TIME;
		double slack = wc[k].id == T_TIME ? 1e9 : coarse ? 2e9 / hz : 1000;

		before = clk_ns(hc) + off;
		if (wc[k].id == T_TIME)
			got = (uint64_t)r->time(NULL) * NSEC_PER_SEC;
		else if (wc[k].id == -2)
			r->gtod(&tv, NULL), got = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000ULL;
		else
			r->cgt(wc[k].id, &ts), got = vts_ns(&ts);
		after = clk_ns(hc) + off;
		if ((int64_t)(got - after) > 1000 || (double)(int64_t)(before - got) > slack) {
			printf("self-check FAILED: %s in the owning namespace reads %llu, host + offset %llu..%llu\n",
			       wc[k].name, (unsigned long long)got, (unsigned long long)before,
			       (unsigned long long)after);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	printf("Self-check: each clock of the owning namespace within its bound of the host's plus "
	       "the offset (1 us; coarse clocks two ticks; time() 1 s).\n\n");

	{
		uint64_t t = hot_cgt(im->r[C_HOST].cgt, CLOCK_REALTIME, 100000);

		n_hot = (long)(hot_ms * 1e-3 * tsc_hz_mono / ((double)t / 100000));
		if (n_hot < 1000)
			n_hot = 1000;
	}
	for (int rd = 0; rd < rounds; rd++)
		for (int k = 0; k < NW; k++)
			for (int j = 0; j < 3; j++) {
				int c = (j + rd) % 3;
				struct region *r = c == 2 ? &im->wall : &im->r[c];

				for (int l = 0; l < 2; l++) {
					uint64_t t;

					if (wc[k].id == -2)
						t = hot_gtod(r->gtod, n_hot);
					else if (wc[k].id == T_TIME)
						t = l ? hot_time_mem(r->time, n_hot) :
							hot_time(r->time, n_hot);
					else
						t = l ? hot_cgt_mem(r->cgt, wc[k].id, n_hot) :
							hot_cgt(r->cgt, wc[k].id, n_hot);
					h[c][l][k][rd] = (double)n_hot * tsc_hz_mono / (double)t;
				}
			}
	printf("The series' image, %d rounds; M calls/s hot, and the median of the per-round "
	       "ratios (loop 2 as loop 1 for gettimeofday()):\n\n"
	       "| clock | host | ns, not owning | ns, owning its wall clock | owning/host, loop 1 | "
	       "loop 2 | not owning/host, loop 1 | loop 2 |\n|---|---|---|---|---|---|---|---|\n",
	       rounds);
	for (int k = 0; k < NW; k++) {
		printf("| %s |", wc[k].name);
		for (int c = 0; c < 3; c++) {
			memcpy(v, h[c][0][k], rounds * sizeof(double));
			printf(" %.1f |", median_d(v, rounds) / 1e6);
		}
		for (int c = 2; c >= 1; c--)
			for (int l = 0; l < 2; l++) {
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = h[c][l][k][rd] / h[0][l][k][rd];
				printf(" %.3f |", median_d(v, rounds));
			}
		printf("\n");
	}
	return 0;
}

static int bench(int rounds, double hot_ms, int samples, const char *data_path)
{
	/* [img][case][clock][round] */
	static double hot[MAXIMG][NCASES][NCLK][64], cold[MAXIMG][NCASES][NCLK][64];
	static double hot2[MAXIMG][NCASES][NCLK][64];
	uint64_t *buf = malloc(samples * sizeof(*buf));
	long n_hot = 1000;
	double v[64], tsc_ghz = tsc_hz_mono / 1e9;
	double empty_cold;
	FILE *data = NULL;

	if (rounds > 64)
		rounds = 64;
	/* warm up, and size the hot loops to about hot_ms each */
	{
		uint64_t t = hot_cgt(img[0].r[0].cgt, CLOCK_MONOTONIC, 100000);

		n_hot = (long)(hot_ms * 1e-3 * tsc_hz_mono / ((double)t / 100000));
		if (n_hot < 1000)
			n_hot = 1000;
	}
	{
		struct region er = img[0].r[0];

		er.cgt = empty_fn;
		empty_cold = cold_one(&er, &clocks[0], buf, samples);
	}

	for (int rd = 0; rd < rounds; rd++) {
		for (int k = 0; k < NCLK; k++) {
			const struct clk *ck = &clocks[k];
			int order[2 * MAXIMG], no = 0;

			/* every (kernel, case) once, starting from a different one each round */
			for (int i = 0; i < nimg; i++)
				for (int c = 0; c < NCASES; c++)
					order[no++] = i * NCASES + c;
			for (int j = 0; j < no; j++) {
				int q = order[(j + rd) % no], i = q / NCASES, c = q % NCASES;
				struct region *r = &img[i].r[c];
				uint64_t t;

				if (c == C_NS && img[i].kind == K_PLAIN)
					continue;
				t = ck->id == T_TIME ? hot_time(r->time, n_hot) :
						       hot_cgt(r->cgt, ck->id, n_hot);
				hot[i][c][k][rd] = (double)n_hot * tsc_hz_mono / (double)t;
				t = ck->id == T_TIME ? hot_time_mem(r->time, n_hot) :
						       hot_cgt_mem(r->cgt, ck->id, n_hot);
				hot2[i][c][k][rd] = (double)n_hot * tsc_hz_mono / (double)t;
				cold[i][c][k][rd] = cold_one(r, ck, buf, samples);
			}
		}
		fprintf(stderr, "vdso-bench: round %d/%d done (%lu ticks)\n", rd + 1, rounds,
			tk_ticks);
	}

	if (data_path) {
		data = fopen(data_path, "w");
		if (!data)
			die("%s: %s", data_path, strerror(errno));
		/* one line per clock; per image: hot host, hot ns, cold host, cold ns, ratios */
		fprintf(data, "# clock");
		for (int i = 0; i < nimg; i++)
			fprintf(data, "\t%s_host_Mcalls\t%s_ns_Mcalls\t%s_host_cycles\t%s_ns_cycles"
				"\t%s_hot_ratio\t%s_cold_ratio", img[i].name, img[i].name,
				img[i].name, img[i].name, img[i].name, img[i].name);
		fprintf(data, "\n");
		for (int k = 0; k < NCLK; k++) {
			fprintf(data, "%s", clocks[k].name);
			for (int i = 0; i < nimg; i++) {
				double f[6];

				for (int c = 0; c < NCASES; c++) {
					memcpy(v, hot[i][c][k], rounds * sizeof(double));
					f[c] = median_d(v, rounds) / 1e6;
					memcpy(v, cold[i][c][k], rounds * sizeof(double));
					f[2 + c] = median_d(v, rounds);
				}
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = hot[i][C_NS][k][rd] / hot[i][C_HOST][k][rd];
				f[4] = median_d(v, rounds);
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = cold[i][C_NS][k][rd] / cold[i][C_HOST][k][rd];
				f[5] = median_d(v, rounds);
				fprintf(data, "\t%.3f\t%.3f\t%.1f\t%.1f\t%.3f\t%.3f", f[0], f[1], f[2],
					f[3], f[4], f[5]);
			}
			fprintf(data, "\n");
		}
		fclose(data);
	}

	printf("TSC: %.3f GHz (cycles below are TSC ticks); HZ %d; %d rounds, hot loops of %ld calls, "
	       "%d cold samples per round; an empty function measures %.0f cycles cold.\n\n",
	       tsc_ghz, hz, rounds, n_hot, samples, empty_cold);

	printf("Medians over the rounds (hot: million calls/s; cold: cycles per call, each round's "
	       "figure the mean of the middle half of its samples):\n\n| clock |");
	for (int i = 0; i < nimg; i++)
		for (int c = 0; c < NCASES; c++)
			printf(" %s %s hot | %s %s cold |", img[i].name, case_name[c],
			       img[i].name, case_name[c]);
	printf("\n|---|");
	for (int i = 0; i < nimg * NCASES * 2; i++)
		printf("---|");
	printf("\n");
	for (int k = 0; k < NCLK; k++) {
		printf("| %s |", clocks[k].name);
		for (int i = 0; i < nimg; i++) {
			for (int c = 0; c < NCASES; c++) {
				double h, co;

				memcpy(v, hot[i][c][k], rounds * sizeof(double));
				h = median_d(v, rounds) / 1e6;
				memcpy(v, cold[i][c][k], rounds * sizeof(double));
				co = median_d(v, rounds);
				printf(" %.1f | %.0f |", h, co);
			}
		}
		printf("\n");
	}

	printf("\nRatios ns/host, the median of the per-round ratios (hot: calls/s, higher is "
	       "better; cold: cycles, lower is better):\n\n| clock |");
	for (int i = 0; i < nimg; i++)
		if (img[i].kind != K_PLAIN)
			printf(" %s hot | %s cold |", img[i].name, img[i].name);
	printf("\n|---|");
	for (int i = 0; i < nimg; i++)
		if (img[i].kind != K_PLAIN)
			printf("---|---|");
	printf("\n");
	for (int k = 0; k < NCLK; k++) {
		printf("| %s |", clocks[k].name);
		for (int i = 0; i < nimg; i++) {
			if (img[i].kind == K_PLAIN)
				continue;
			for (int rd = 0; rd < rounds; rd++)
				v[rd] = hot[i][C_NS][k][rd] / hot[i][C_HOST][k][rd];
			printf(" %.3f |", median_d(v, rounds));
			for (int rd = 0; rd < rounds; rd++)
				v[rd] = cold[i][C_NS][k][rd] / cold[i][C_HOST][k][rd];
			printf(" %.3f |", median_d(v, rounds));
		}
		printf("\n");
	}
	if (nimg > 1) {
		printf("\nRatios %s/%s per case, the median of the per-round ratios (hot: calls/s; "
		       "cold: cycles):\n\n| clock | host hot | host cold | ns hot | ns cold |\n"
		       "|---|---|---|---|---|\n", img[1].name, img[0].name);
		for (int k = 0; k < NCLK; k++) {
			printf("| %s |", clocks[k].name);
			for (int c = 0; c < NCASES; c++) {
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = hot[1][c][k][rd] / hot[0][c][k][rd];
				printf(" %.3f |", median_d(v, rounds));
				for (int rd = 0; rd < rounds; rd++)
					v[rd] = cold[1][c][k][rd] / cold[0][c][k][rd];
				printf(" %.3f |", median_d(v, rounds));
			}
			printf("\n");
		}
	}
	print_loop2(hot, hot2, rounds);
	free(buf);
	return 0;
}

/* ---- --count (under callgrind) ---------------------------------------- */

static int count(long calls)
{
	char label[128];

	for (int i = 0; i < nimg; i++) {
		for (int c = 0; c < NCASES; c++) {
			struct region *r = &img[i].r[c];

			if (c == C_NS && img[i].kind == K_PLAIN)
				continue;
			for (int k = 0; k < NCLK; k++) {
				const struct clk *ck = &clocks[k];

				tk_update();	/* a fresh tick: no retry, no long delta */
				if (ck->id == T_TIME)
					r->time(NULL);
				else
					r->cgt(ck->id, &sink);
				CALLGRIND_ZERO_STATS;
				CALLGRIND_TOGGLE_COLLECT;
				if (ck->id == T_TIME)
					hot_time(r->time, calls);
				else
					hot_cgt(r->cgt, ck->id, calls);
				CALLGRIND_TOGGLE_COLLECT;
				snprintf(label, sizeof(label), "bench %s %s %s", img[i].name,
					 case_name[c], ck->name);
				CALLGRIND_DUMP_STATS_AT(label);
			}
		}
	}
	/* the loops without the vDSO: a function that only returns (1 instruction) */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	hot_cgt(empty_fn, 0, calls);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("bench empty - clock_gettime");
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	hot_time(empty_time, calls);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("bench empty - time");
	return 0;
}

int main(int argc, char **argv)
{
	enum { M_NONE, M_CHECK, M_BENCH, M_COUNT, M_INFO, M_WALL } mode = M_NONE;
	int rounds = 9, samples = 1001, check_ms = 300;
	double hot_ms = 10, tol = 1000;
	long calls = 1000;
	const char *data = NULL;
	pthread_t th;
	int rc = 0;

	for (int a = 1; a < argc; a++) {
		char *eq = strchr(argv[a], '=');

		if (!strcmp(argv[a], "--check")) mode = M_CHECK;
		else if (!strcmp(argv[a], "--bench")) mode = M_BENCH;
		else if (!strcmp(argv[a], "--count")) mode = M_COUNT;
		else if (!strcmp(argv[a], "--info")) mode = M_INFO;
		else if (!strcmp(argv[a], "--wall")) mode = M_WALL;
		else if (!strcmp(argv[a], "--rounds") && a + 1 < argc) rounds = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--hot-ms") && a + 1 < argc) hot_ms = atof(argv[++a]);
		else if (!strcmp(argv[a], "--cold-samples") && a + 1 < argc) samples = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--check-ms") && a + 1 < argc) check_ms = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--tolerance-ns") && a + 1 < argc) tol = atof(argv[++a]);
		else if (!strcmp(argv[a], "--count-calls") && a + 1 < argc) calls = atol(argv[++a]);
		else if (!strcmp(argv[a], "--hz") && a + 1 < argc) hz = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--data") && a + 1 < argc) data = argv[++a];
		else if (!strcmp(argv[a], "--mono-nsec") && a + 1 < argc) off_mono_nsec = atol(argv[++a]);
		else if (!strcmp(argv[a], "--boot-nsec") && a + 1 < argc) off_boot_nsec = atol(argv[++a]);
		else if (argv[a][0] != '-' && eq && nimg < MAXIMG) {
			*eq = 0;
			img[nimg].name = argv[a];
			img[nimg++].path = eq + 1;
		} else
			die("usage: vdso-bench --check|--bench|--count|--info|--wall [options] NAME=" VDSO_IMAGE "...");
	}
	if (mode == M_NONE || !nimg)
		die("usage: vdso-bench --check|--bench|--count|--info|--wall [options] NAME=" VDSO_IMAGE "...");
	if (samples < 1 || rounds < 1 || hz < 1)
		die("bad --cold-samples, --rounds or --hz");
	if (off_mono_nsec >= NSEC_PER_SEC || off_boot_nsec >= NSEC_PER_SEC)
		die("--mono-nsec and --boot-nsec must be below 1000000000");
	for (int k = 0; k < NCLK; k++)
		clocks[k].off = clocks[k].off == 'm' ? OFF_MONO_SEC * NSEC_PER_SEC + off_mono_nsec :
				clocks[k].off == 'b' ? OFF_BOOT_SEC * NSEC_PER_SEC + off_boot_nsec : 0;

	memfd = memfd_create("vvar", 0);
	if (memfd < 0 || ftruncate(memfd, 4 * PAGE))
		die("memfd: %s", strerror(errno));
	pages_rw = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (pages_rw == MAP_FAILED)
		die("mmap: %s", strerror(errno));

	for (int i = 0; i < nimg; i++) {
		load_image(&img[i]);
		if (i && img[i].vdso_data_off != data_off)
			die("%s: struct vdso_data at %ld, not %ld", img[i].path,
			    img[i].vdso_data_off, data_off);
		data_off = img[i].vdso_data_off;
		for (int c = 0; c < NCASES; c++)
			map_image(&img[i], c, false);
		if (img[i].kind == K_SERIES)
			map_image(&img[i], C_NS, true);
	}
	fill_ns_pages();
	calibrate(mode == M_COUNT ? 20 : 200);
	tk_update();

	if (mode == M_INFO) {
		for (int i = 0; i < nimg; i++)
			printf("%s: %s, layout %s, vvar_start %ld, text %zu bytes, %d of %d alternatives applied\n",
			       img[i].name, img[i].path,
			       img[i].kind == K_MAINLINE ? "mainline (timens_page)" :
			       img[i].kind == K_SERIES ? "series (vvar_host_page)" : "no time namespace",
			       img[i].vvar_start, img[i].text_len, img[i].patched, img[i].nalts);
		printf("TSC %.6f GHz (raw) %.6f GHz (mono); mult %u/%u shift %u; max_cycles %llu\n",
		       tsc_hz_raw / 1e9, tsc_hz_mono / 1e9, mult_raw, mult_mono, tk_shift,
		       (unsigned long long)tk_max_cycles);
		return 0;
	}
	if (mode == M_COUNT)
		return count(calls);

	if (pthread_create(&th, NULL, tk_thread, NULL))
		die("pthread_create");
	usleep(2 * 1000000 / hz);
	if (mode == M_CHECK)
		rc = check(tol, check_ms);
	else if (mode == M_WALL)
		rc = bench_wall(rounds, hot_ms);
	else
		rc = bench(rounds, hot_ms, samples, data);
	tk_stop = 1;
	pthread_join(th, NULL);
	return rc;
}
