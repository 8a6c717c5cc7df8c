// SPDX-License-Identifier: BSD-2-Clause
#include "vocab.h"

#include <string.h>

#include "classify.h"

#define LQ__WORD(id, name, desc, props) { name, desc, props },

static const struct lq_word verdicts[] = { LQ_VERDICT_LIST(LQ__WORD) };
static const struct lq_word reasons[] = { LQ_REASON_LIST(LQ__WORD) };
static const struct lq_word events[] = { LQ_EVENT_LIST(LQ__WORD) };
static const struct lq_word ptypes[] = { LQ_PTYPE_LIST(LQ__WORD) };
static const struct lq_word rflags[] = { LQ_RFLAG_LIST(LQ__WORD) };
static const struct lq_word pstates[] = { LQ_PSTATE_LIST(LQ__WORD) };
static const struct lq_word links[] = { LQ_LINK_LIST(LQ__WORD) };
static const struct lq_word hooks[] = { LQ_HOOK_LIST(LQ__WORD) };

#define LIST(kind, a) { kind, a, sizeof(a) / sizeof(a[0]) }
const struct lq_wordlist lq_lists[LQ_LIST__COUNT] = {
	[LQ_LIST_VERDICT] = LIST("verdict", verdicts), [LQ_LIST_REASON] = LIST("reason", reasons),
	[LQ_LIST_EVENT] = LIST("event", events),       [LQ_LIST_PTYPE] = LIST("type", ptypes),
	[LQ_LIST_RFLAG] = LIST("flag", rflags),	       [LQ_LIST_PSTATE] = LIST("state", pstates),
	[LQ_LIST_LINK] = LIST("via", links),	       [LQ_LIST_HOOK] = LIST("hook", hooks),
};
#undef LIST

const char *lq_word_name(enum lq_list_id list, unsigned v)
{
	const struct lq_wordlist *l = &lq_lists[list];

	if (v >= l->n)
		return "?";
	return l->words[v].name[0] ? l->words[v].name : NULL;
}

int lq_word_find(enum lq_list_id list, const char *name)
{
	const struct lq_wordlist *l = &lq_lists[list];
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->words[i].name[0] && !strcmp(l->words[i].name, name))
			return (int)i;
	return -1;
}

/* The properties of a word, for people and scripts: "-" for none. */
static const char *props_text(enum lq_list_id list, unsigned props, char *buf, size_t n)
{
	static const struct {
		enum lq_list_id list;
		unsigned bit;
		const char *name;
	} names[] = {
		{ LQ_LIST_VERDICT, LQ_VP_UDP, "udp" },	   { LQ_LIST_VERDICT, LQ_VP_QUIC, "quic" },
		{ LQ_LIST_VERDICT, LQ_VP_NOTABLE, "notable" }, { LQ_LIST_VERDICT, LQ_VP_REASON, "reason" },
		{ LQ_LIST_REASON, LQ_RP_GARBAGE, "garbage" }, { LQ_LIST_REASON, LQ_RP_LIMIT, "limit" },
		{ LQ_LIST_REASON, LQ_RP_DROP, "drop" },
	};
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && used < n; i++)
		if (names[i].list == list && (props & names[i].bit))
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "",
						 names[i].name);
	if (!buf[0])
		snprintf(buf, n, "-");
	return buf;
}

void lq_print_vocabulary(FILE *f)
{
	char props[64];
	unsigned i, j;

	for (i = 0; i < LQ_LIST__COUNT; i++)
		for (j = 0; j < lq_lists[i].n; j++) {
			const struct lq_word *w = &lq_lists[i].words[j];

			if (w->name[0])
				fprintf(f, "%-8s %-20s %-20s %s\n", lq_lists[i].kind, w->name,
					props_text(i, w->props, props, sizeof(props)), w->desc);
		}
	for (i = 0; i < LQ_MAPID__COUNT; i++)
		fprintf(f, "%-8s %-20s %-20s %s\n", "map", lq_map_infos[i].name,
			lq_map_infos[i].option, lq_map_infos[i].desc);
}

const char *lq_reason_names_with(unsigned props, char *buf, size_t n)
{
	size_t used = 0;
	unsigned r;

	if (n)
		buf[0] = 0;
	for (r = 1; r < LQ_R__COUNT && used < n; r++)
		if (reasons[r].props & props)
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "",
						 reasons[r].name);
	return buf;
}
