/* Canaries: pages of a known pattern beside the memory Plinth hands to the
 * guest and to devices (guest RAM, every pool allocation, the heap), so
 * that a write that strays past a buffer, by Plinth's own code or by DMA
 * it started, is found rather than silently corrupting the next one.
 * They are checked when a guest run ends and whenever /metrics is read;
 * a broken one is logged once, with what it guards. */
#ifndef PLINTH_CANARY_H
#define PLINTH_CANARY_H

#include <stddef.h>
#include <stdint.h>

#define CANARY_BYTES 4096u
#define CANARY_MAX 256 /* registered at once; beyond, pages go unguarded */

/* Fills `p` (CANARY_BYTES) and registers it as guarding `what`, the
 * buffer at `owner` (for the log line). */
void canary_place(void *p, const char *what, const void *owner);
/* Stops watching the canary at p (its buffer is freed). */
void canary_remove(const void *p);

struct canary_stats {
	uint64_t placed;    /* watched now */
	uint64_t broken;    /* found changed, each counted once */
	uint64_t checks;    /* full passes */
	uint64_t unguarded; /* placements refused: the table was full */
};

extern struct canary_stats canary_st;

/* Checks every canary; returns how many are broken (all passes so far). */
uint64_t canary_check(void);

#endif
