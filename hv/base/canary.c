/* Canaries (see canary.h). */
#include "hv/base/canary.h"

#include <stdbool.h>

#include "hv/base/log.h"

struct canary {
	uint64_t *p; /* NULL: a free row */
	const char *what;
	const void *owner;
	bool broken;
};

static struct canary table[CANARY_MAX];
struct canary_stats canary_st;

/* Each word depends on its own address: a canary copied from elsewhere,
 * or memory that merely holds a repeating byte, does not pass for one. */
static uint64_t word(const uint64_t *at)
{
	uint64_t x = (uint64_t)(uintptr_t)at ^ 0x9e3779b97f4a7c15ull;

	return x * 0xbf58476d1ce4e5b9ull ^ (x >> 31);
}

void canary_place(void *p, const char *what, const void *owner)
{
	uint64_t *w = p;

	for (unsigned i = 0; i < CANARY_MAX; i++) {
		if (table[i].p)
			continue;
		for (size_t k = 0; k < CANARY_BYTES / 8; k++)
			w[k] = word(w + k);
		table[i] = (struct canary){ w, what, owner, false };
		canary_st.placed++;
		return;
	}
	canary_st.unguarded++;
}

void canary_remove(const void *p)
{
	for (unsigned i = 0; i < CANARY_MAX; i++)
		if (table[i].p == p) {
			table[i].p = NULL;
			canary_st.placed--;
			return;
		}
}

uint64_t canary_check(void)
{
	canary_st.checks++;
	for (unsigned i = 0; i < CANARY_MAX; i++) {
		struct canary *c = &table[i];

		if (!c->p || c->broken)
			continue;
		for (size_t k = 0; k < CANARY_BYTES / 8; k++) {
			if (c->p[k] == word(c->p + k))
				continue;
			c->broken = true;
			canary_st.broken++;
			log_msg("canary: the guard page of %s at 0x%lx was "
				"written at +0x%lx: memory beside that "
				"buffer is damaged",
				c->what, (unsigned long)(uintptr_t)c->owner,
				(unsigned long)(k * 8));
			break;
		}
	}
	return canary_st.broken;
}
