// SPDX-License-Identifier: GPL-2.0
/*
 * Checks that a kernel has no time namespaces, as before Linux 5.6, and
 * that its vDSO still serves the clocks.  Run on the base kernel (the
 * pristine tree with patches/base/ and an empty series).  Prints KTAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NEWTIME_FLAG 0x00000080	/* CLONE_NEWTIME in kernels that have it */

static int failures, n;

static void result(int ok, const char *what, const char *detail)
{
	n++;
	if (!ok) {
		failures++;
		printf("# %s\n", detail);
	}
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
}

static void check_errno(long ret, int err, int want, const char *what)
{
	char d[128];

	snprintf(d, sizeof(d), "returned %ld, errno %d (%s), want EINVAL",
		 ret, ret < 0 ? err : 0, ret < 0 ? strerror(err) : "-");
	result(ret == -1 && err == want, what, d);
}

static void check_absent(const char *path)
{
	char what[128], d[160];
	int gone = access(path, F_OK) && errno == ENOENT;

	snprintf(what, sizeof(what), "%s does not exist", path);
	snprintf(d, sizeof(d), "%s: %s", path, gone ? "-" : "exists");
	result(gone, what, d);
}

/* In a child: make the clock syscalls fail, then read through the vDSO. */
static int vdso_child(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_gettime, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettimeofday, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct timespec ts, raw;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 2;
	/* The filter works: the raw syscall fails ... */
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw) != -1 || errno != ENOSYS)
		return 3;
	/* ... while the vDSO still answers. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) || ts.tv_sec <= 0)
		return 4;
	if (clock_gettime(CLOCK_REALTIME, &ts) || ts.tv_sec < 1600000000)
		return 5;
	return 0;
}

int main(void)
{
	struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal,
		 stack, stack_size, tls; } args = { .flags = NEWTIME_FLAG,
						    .exit_signal = SIGCHLD };
	char d[128];
	long ret;
	int status;
	pid_t pid;

	printf("KTAP version 1\n1..7\n");
	ret = unshare(NEWTIME_FLAG);
	check_errno(ret, errno, EINVAL, "unshare(0x80) is EINVAL");
	ret = syscall(SYS_clone3, &args, sizeof(args));
	if (ret == 0)
		_exit(0);
	check_errno(ret, errno, EINVAL, "clone3 with flags 0x80 is EINVAL");
	check_absent("/proc/self/ns/time");
	check_absent("/proc/self/ns/time_for_children");
	check_absent("/proc/self/timens_offsets");
	check_absent("/proc/sys/user/max_time_namespaces");

	pid = fork();
	if (pid == 0)
		_exit(vdso_child());
	waitpid(pid, &status, 0);
	snprintf(d, sizeof(d), "child status 0x%x (2: seccomp, 3: filter ineffective, 4/5: vDSO read failed)",
		 status);
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "vDSO clock_gettime works with the clock syscalls blocked", d);
	return failures ? 1 : 0;
}
