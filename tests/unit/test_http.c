/* The management server's HTTP request parser (net/http.c): what it
 * accepts, what it refuses and with which status. */
#include "tests/support/check.h"

#include <stdlib.h>

#include "net/http.h"

static struct http_req R;

static int parse(const char *s)
{
	return http_parse(s, strlen(s), &R);
}

static void simple_get_is_parsed(void)
{
	const char *s = "GET /v1/console?offset=12&x=y HTTP/1.1\r\n"
			"Host: 10.0.2.15:8080\r\n"
			"Authorization: Bearer abcdefghijklmnop\r\n\r\nEXTRA";

	CHECK(parse(s) == HTTP_DONE);
	CHECK(R.method == HTTP_GET);
	CHECK_STR(R.path, "/v1/console");
	CHECK_STR(R.query, "offset=12&x=y");
	CHECK(R.head_len == strlen(s) - 5);
	CHECK(R.bearer);
	CHECK_STR(R.token, "abcdefghijklmnop");
	CHECK(R.body_len == 0 && !R.minor0);
}

static void head_arriving_in_pieces_needs_more(void)
{
	const char *s = "POST /v1/console HTTP/1.0\r\nContent-Length: 5\r\n\r\n";

	for (size_t n = 0; n < strlen(s); n++)
		CHECK(http_parse(s, n, &R) == HTTP_MORE);
	CHECK(parse(s) == HTTP_DONE);
	CHECK(R.method == HTTP_POST && R.body_len == 5 && R.minor0);
}

static void malformed_request_lines_are_400(void)
{
	static const char *const bad[] = {
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET /\r\n\r\n",
		"GET http://x/ HTTP/1.1\r\n\r\n",
		"GET * HTTP/1.1\r\n\r\n",
		"GET /a b HTTP/1.1\r\n\r\n",
		"GET /\x01 HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.x\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n",
		"GET / HTTP/1.1\r\n Folded: x\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: \r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = parse(bad[i]);

		if (st != 400)
			printf("#   case %zu: %d\n", i, st);
		CHECK(st == 400);
	}
	/* Bare LF refused before the head is even complete. */
	CHECK(http_parse("GET / HTTP/1.1\nHo", 18, &R) == 400);
	CHECK(http_parse("GET /\0 HTTP", 11, &R) == 400);
}

static void limits_and_unsupported_features_have_their_status(void)
{
	char *big = malloc(HTTP_HEAD_MAX + 64);

	CHECK(parse("PUT / HTTP/1.1\r\n\r\n") == 501);
	CHECK(parse("GET / HTTP/2.0\r\n\r\n") == 505);
	CHECK(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
	      == 501);
	CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n") == 413);
	CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 65536\r\n\r\n")
	      == HTTP_DONE);
	CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999"
		    "\r\n\r\n") == 413);
	/* The same length twice is fine. */
	CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3"
		    "\r\n\r\n") == HTTP_DONE && R.body_len == 3);
	/* A target of 255 characters passes, 256 does not. */
	memset(big, 'a', HTTP_HEAD_MAX + 64);
	memcpy(big, "GET /", 5);
	strcpy(big + 4 + 255, " HTTP/1.1\r\n\r\n");
	CHECK(parse(big) == HTTP_DONE && strlen(R.path) == 255);
	memset(big, 'a', HTTP_HEAD_MAX + 64);
	memcpy(big, "GET /", 5);
	strcpy(big + 4 + 256, " HTTP/1.1\r\n\r\n");
	CHECK(parse(big) == 414);
	/* A head that never ends. */
	memset(big, 'a', HTTP_HEAD_MAX + 64);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK(http_parse(big, HTTP_HEAD_MAX, &R) == 431);
	CHECK(http_parse(big, HTTP_HEAD_MAX - 1, &R) == HTTP_MORE);
	/* Too many fields. */
	strcpy(big, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_HEADERS_MAX + 1; i++)
		strcat(big, "A: b\r\n");
	strcat(big, "\r\n");
	CHECK(parse(big) == 431);
	free(big);
}

static void authorization_is_a_bearer_token_or_nothing(void)
{
	CHECK(parse("GET / HTTP/1.1\r\nauthorization:   BEARER  tok-1.2_3~ "
		    "\r\n\r\n") == HTTP_DONE);
	CHECK(R.bearer);
	CHECK_STR(R.token, "tok-1.2_3~");
	CHECK(parse("GET / HTTP/1.1\r\nAuthorization: Basic dXNlcg==\r\n\r\n")
	      == HTTP_DONE && !R.bearer);
	CHECK(parse("GET / HTTP/1.1\r\nAuthorization: Bearer\r\n\r\n")
	      == HTTP_DONE && !R.bearer);
	CHECK(parse("GET / HTTP/1.1\r\nAuthorization: Bearer a b\r\n\r\n")
	      == HTTP_DONE && !R.bearer);
}

static void leading_empty_lines_are_skipped(void)
{
	CHECK(parse("\r\n\r\nGET /x HTTP/1.1\r\n\r\n") == HTTP_DONE);
	CHECK_STR(R.path, "/x");
}

static void query_numbers(void)
{
	uint64_t v = 7;

	CHECK(http_query_u64("offset=12", "offset", &v) && v == 12);
	CHECK(http_query_u64("a=1&offset=0", "offset", &v) && v == 0);
	CHECK(!http_query_u64("offsets=1", "offset", &v));
	CHECK(!http_query_u64("offset=", "offset", &v));
	CHECK(!http_query_u64("offset=-1", "offset", &v));
	CHECK(!http_query_u64("offset=12345678901234567890", "offset", &v));
	CHECK(!http_query_u64("", "offset", &v));
	CHECK(http_query_u64("x&offset=5", "offset", &v) && v == 5);
}

static void tokens_compare_whole(void)
{
	CHECK(http_token_equal("abcdefghijklmnop", "abcdefghijklmnop"));
	CHECK(!http_token_equal("abcdefghijklmnoq", "abcdefghijklmnop"));
	CHECK(!http_token_equal("abcdefghijklmno", "abcdefghijklmnop"));
	CHECK(!http_token_equal("abcdefghijklmnopq", "abcdefghijklmnop"));
	CHECK(!http_token_equal("", ""));
	CHECK(!http_token_equal("x", ""));
}

int main(void)
{
	RUN(simple_get_is_parsed);
	RUN(head_arriving_in_pieces_needs_more);
	RUN(malformed_request_lines_are_400);
	RUN(limits_and_unsupported_features_have_their_status);
	RUN(authorization_is_a_bearer_token_or_nothing);
	RUN(leading_empty_lines_are_skipped);
	RUN(query_numbers);
	RUN(tokens_compare_whole);
	return CHECK_DONE();
}
