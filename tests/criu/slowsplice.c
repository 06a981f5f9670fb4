// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD into criu (tests/criu-lost-timer): the first splice() criu
 * makes first runs the command in $SLOW_SPLICE_HOOK and waits for it.
 *
 * criu's first splice() moves the first pages of the first task it dumps
 * into the image: by then criu has saved the task's pending signals, and
 * it has not yet asked the task (through the parasite) how its posix
 * timers stand.  A timer that comes due while the hook runs comes due in
 * that window, with the task frozen.
 *
 * Build: gcc -shared -fPIC -o slowsplice.so slowsplice.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
	       size_t len, unsigned int flags)
{
	static int once;
	const char *hook = getenv("SLOW_SPLICE_HOOK");

	if (!once++ && hook && system(hook))
		return -1;
	return syscall(SYS_splice, fd_in, off_in, fd_out, off_out, len, flags);
}
