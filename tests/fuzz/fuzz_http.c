/* libFuzzer target for the management server's request parser
 * (net/http.c): any bytes, offered whole and as every prefix a slow
 * client could have sent so far.
 *
 *   make build/fuzz/fuzz_http
 *   build/fuzz/fuzz_http -max_total_time=60
 *
 * Built with gcc and -DFUZZ_REPLAY it replays files instead.
 *
 * Invariants checked (abort on violation): the result is HTTP_MORE,
 * HTTP_DONE or an error status of 400-505; a complete head lies inside
 * the input and ends in CRLFCRLF, its path starts with '/' and holds no
 * byte outside '!'..'~', the body length is within HTTP_BODY_MAX, a
 * bearer token is printable; a prefix of an input never has an answer
 * that the whole input contradicts (a prefix that is already DONE parses
 * as the whole does, and one that is already refused is refused whole,
 * if perhaps with another status).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

#include "tests/fuzz/fuzz_check.h"

static void check_one(const char *buf, size_t len, int st,
		      const struct http_req *r)
{
	CHECK(st == HTTP_MORE || st == HTTP_DONE || (st >= 400 && st <= 505));
	if (st != HTTP_DONE)
		return;
	CHECK(r->head_len >= 4 && r->head_len <= len);
	CHECK(!memcmp(buf + r->head_len - 4, "\r\n\r\n", 4));
	CHECK(r->path[0] == '/');
	for (const char *p = r->path; *p; p++)
		CHECK(*p > ' ' && *p <= '~');
	CHECK(strlen(r->path) + strlen(r->query) < HTTP_TARGET_MAX);
	CHECK(r->body_len <= HTTP_BODY_MAX);
	if (r->bearer)
		for (const char *p = r->token; *p; p++)
			CHECK(*p > ' ' && *p <= '~');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	struct http_req whole, part;
	int st;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	st = http_parse(buf, size, &whole);
	check_one(buf, size, st, &whole);
	/* Prefixes, as the bytes arrive (every one up to 512, then some). */
	for (size_t n = 0; n < size; n += n < 512 ? 1 : 97) {
		int ps = http_parse(buf, n, &part);

		check_one(buf, n, ps, &part);
		if (ps == HTTP_DONE) {
			CHECK(st == HTTP_DONE && part.head_len == whole.head_len);
			CHECK(!strcmp(part.path, whole.path));
		} else if (ps != HTTP_MORE) {
			CHECK(st != HTTP_MORE && st != HTTP_DONE);
		}
	}
	free(buf);
	return 0;
}

#include "tests/fuzz/fuzz_replay.h"
