// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-runstat - runs a command and reports its wall time, CPU time
 * (user + system, all threads) and peak resident memory, from wait4(2): the
 * figures /usr/bin/time reports, with nanosecond and microsecond resolution
 * instead of centiseconds, which the benchmark needs for short runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: linkquic-runstat -o FILE COMMAND [ARG...]\n"
	"Runs COMMAND (standard streams untouched) and writes one line to FILE:\n"
	"  WALL_NS CPU_NS MAXRSS_KB EXIT_STATUS\n"
	"CPU_NS is user plus system time of COMMAND and its threads; MAXRSS_KB is\n"
	"what /usr/bin/time -f %M shows. Exits with COMMAND's status.\n"
	"\n"
	"Example:\n"
	"  linkquic-runstat -o /tmp/t linkquic-replay -q trace.pcap; cat /tmp/t\n";

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	const char *out;
	int status, code;
	pid_t pid;
	FILE *f;

	if (argc < 4 || strcmp(argv[1], "-o")) {
		fputs(usage, argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	out = argv[2];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "linkquic-runstat: cannot fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "linkquic-runstat: cannot run '%s': %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		fprintf(stderr, "linkquic-runstat: wait4: %s\n", strerror(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "linkquic-runstat: cannot write '%s': %s\n", out, strerror(errno));
		return 2;
	}
	fprintf(f, "%lld %lld %ld %d\n",
		(long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
		((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			((long long)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL,
		ru.ru_maxrss, code);
	fclose(f);
	return code;
}
