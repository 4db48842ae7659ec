/* Canaries (hv/base/canary.c): an intact guard page passes, one byte
 * written anywhere in it is found, logged once with what it guards, and a
 * page that merely holds a pattern from elsewhere does not pass. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"

#include <stdlib.h>

#include "hv/base/canary.h"

static uint8_t *page(void)
{
	return aligned_alloc(CANARY_BYTES, CANARY_BYTES);
}

static void a_written_byte_is_found_and_named_once(void)
{
	uint8_t *a = page(), *b = page();
	static int owner;

	canary_place(a, "the test buffer", &owner);
	canary_place(b, "another buffer", &owner);
	CHECK(canary_st.placed == 2);
	CHECK(canary_check() == 0);
	a[4093] ^= 1;
	logstub_clear();
	CHECK(canary_check() == 1);
	CHECK(logstub_has("the test buffer"));
	CHECK(logstub_has("+0xff8"));
	logstub_clear();
	CHECK(canary_check() == 1); /* counted once, logged once */
	CHECK(!logstub_has("canary"));
	canary_remove(a);
	canary_remove(b);
	CHECK(canary_st.placed == 0);
	free(a);
	free(b);
}

static void a_copied_canary_is_no_canary(void)
{
	uint8_t *a = page(), *b = page();
	uint64_t before = canary_st.broken;

	canary_place(a, "a", a);
	canary_place(b, "b", b);
	/* Each word depends on its address: b's pattern copied over a
	 * does not pass for a's. */
	memcpy(a, b, CANARY_BYTES);
	CHECK(canary_check() == before + 1);
	canary_remove(a);
	canary_remove(b);
	free(a);
	free(b);
}

static void a_full_table_leaves_pages_unguarded_and_says_so(void)
{
	static uint8_t *p[CANARY_MAX + 1];

	for (unsigned i = 0; i <= CANARY_MAX; i++) {
		p[i] = page();
		canary_place(p[i], "many", p[i]);
	}
	CHECK(canary_st.placed == CANARY_MAX);
	CHECK(canary_st.unguarded == 1);
	for (unsigned i = 0; i <= CANARY_MAX; i++) {
		canary_remove(p[i]);
		free(p[i]);
	}
	CHECK(canary_st.placed == 0);
}

int main(void)
{
	RUN(a_written_byte_is_found_and_named_once);
	RUN(a_copied_canary_is_no_canary);
	RUN(a_full_table_leaves_pages_unguarded_and_says_so);
	return CHECK_DONE();
}
