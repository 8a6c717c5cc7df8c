// SPDX-License-Identifier: BSD-2-Clause
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Newer than some systems' headers; the numbers are ABI (Linux 5.8). */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

int live_check_caps(const char *tool)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	static const struct {
		int cap;
		const char *name;
	} need[] = { { CAP_BPF, "CAP_BPF" }, { CAP_NET_ADMIN, "CAP_NET_ADMIN" },
		     { CAP_PERFMON, "CAP_PERFMON" } };
	char missing[64] = "";
	uint64_t eff;
	size_t i;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return 0; /* cannot tell: let the kernel decide */
	eff = (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return 0;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (eff & (1ULL << need[i].cap))
			continue;
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			 missing[0] ? ", " : "", need[i].name);
	}
	if (!missing[0])
		return 0;
	fprintf(stderr,
		"%s: needs root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON (missing %s): %s\n", tool,
		missing, strerror(EPERM));
	return -EPERM;
}
