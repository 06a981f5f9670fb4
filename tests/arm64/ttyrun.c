// SPDX-License-Identifier: GPL-2.0
/*
 * ttyrun COMMAND [ARGS...]: run COMMAND with its stdout and stderr on a
 * pseudo-terminal in raw mode, copy what it writes to our stdout, and exit
 * with its status (128 + the signal number if it was killed).
 *
 * Why: the arm64 guest runs static programs into a pipe, where libc
 * buffers stdout fully; a selftest that forks with lines still buffered
 * prints them twice (mainline's timens tests print their plan twice).  On
 * x86 the programs are dynamic and stdbuf -oL line-buffers them; stdbuf
 * cannot reach a static program, a terminal can: libc line-buffers it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include <sys/wait.h>

static pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Copy what is there to read; false at the end of the output. */
static int copy(int fd, int timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, timeout) <= 0)
		return timeout != 0 || p.revents;
	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && errno == EINTR;
	return write(STDOUT_FILENO, buf, n) == n;
}

int main(int argc, char **argv)
{
	struct termios raw;
	int master, slave, status;

	if (argc < 2) {
		fprintf(stderr, "usage: ttyrun COMMAND [ARGS...]\n");
		return 2;
	}
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		perror("ttyrun: pseudo-terminal");
		return 125;
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0 || tcgetattr(slave, &raw)) {
		perror("ttyrun: pseudo-terminal slave");
		return 125;
	}
	cfmakeraw(&raw);
	tcsetattr(slave, TCSANOW, &raw);

	signal(SIGTERM, forward);
	signal(SIGINT, forward);
	child = fork();
	if (child < 0) {
		perror("ttyrun: fork");
		return 125;
	}
	if (child == 0) {
		close(master);
		dup2(slave, STDOUT_FILENO);
		dup2(slave, STDERR_FILENO);
		close(slave);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	close(slave);

	/* Until the command exits; then what it left in the terminal. */
	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child)
			break;
		if (r < 0 && errno != EINTR) {
			perror("ttyrun: waitpid");
			return 125;
		}
		/* Its terminal closed: wait for it without reading. */
		if (r == 0 && !copy(master, 100)) {
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
	}
	while (copy(master, 0))
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
