/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vocab.h - the words of parser/lq_vocab.h as user space needs them: name
 * tables, look-up by name, and the vocabulary printed for people
 * (--vocabulary) and checked against the README.
 */
#ifndef LQ_VOCAB_TABLES_H
#define LQ_VOCAB_TABLES_H

#include <stdio.h>

#include "../parser/lq_types.h"

struct lq_word {
	const char *name; /* "" for an entry that means "none" */
	const char *desc;
	unsigned props;
};

/* One list: its name ("verdict", ...) and its words, indexed by the enum. */
struct lq_wordlist {
	const char *kind;
	const struct lq_word *words;
	unsigned n;
};

enum lq_list_id {
	LQ_LIST_VERDICT,
	LQ_LIST_REASON,
	LQ_LIST_EVENT,
	LQ_LIST_PTYPE,
	LQ_LIST_RFLAG,
	LQ_LIST_PSTATE,
	LQ_LIST_LINK,
	LQ_LIST_HOOK,
	LQ_LIST__COUNT,
};

extern const struct lq_wordlist lq_lists[LQ_LIST__COUNT];

/* The word's name, NULL for an entry that means none, "?" out of range. */
const char *lq_word_name(enum lq_list_id list, unsigned v);
/* The index of the word called name in the list, or -1. */
int lq_word_find(enum lq_list_id list, const char *name);

/* Every list, one word a line: "kind name properties description"
 * (--vocabulary); then the maps: "map kernel_name option description". */
void lq_print_vocabulary(FILE *f);

/* "a,b,c": the names of the reasons with a property (LQ_RP_*), for help
 * texts; into buf of n bytes. */
const char *lq_reason_names_with(unsigned props, char *buf, size_t n);

#endif
