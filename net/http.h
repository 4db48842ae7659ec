/* The management server's HTTP/1.1 request parser (RFC 9112): the head of
 * one request, from bytes as they arrive.  Strict on purpose: every line
 * ends in CRLF, no obsolete line folding, one Content-Length at most,
 * no Transfer-Encoding (the server takes no chunked bodies), sizes capped.
 * Anything else is an error status, never a guess.  Free of lwIP and of
 * the hypervisor, so the tests and the fuzzer drive it alone. */
#ifndef PLINTH_HTTP_H
#define PLINTH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 8192 /* request line and headers */
#define HTTP_BODY_MAX 65536
#define HTTP_TARGET_MAX 256
#define HTTP_HEADERS_MAX 64
#define HTTP_TOKEN_MAX 128

#define HTTP_MORE 0 /* the head is not complete yet */
#define HTTP_DONE 1 /* the head is complete: r is filled in */

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST };

struct http_req {
	enum http_method method;
	char path[HTTP_TARGET_MAX];  /* the target up to '?' */
	char query[HTTP_TARGET_MAX]; /* after '?', "" if none */
	size_t head_len;	     /* bytes of the head, CRLFCRLF included */
	uint32_t body_len;	     /* Content-Length, 0 without one */
	bool minor0;		     /* HTTP/1.0 */
	/* Authorization: Bearer TOKEN, when present and well formed. */
	bool bearer;
	char token[HTTP_TOKEN_MAX];
};

/* Parses the head in buf[0, len): HTTP_MORE, HTTP_DONE, or the error
 * status to answer with (400, 413, 414, 431, 501, 505). */
int http_parse(const char *buf, size_t len, struct http_req *r);

/* The value of `name` in a query string ("offset=12&x=y") as a decimal
 * number; false when absent or malformed. */
bool http_query_u64(const char *query, const char *name, uint64_t *out);

/* Compares a presented token with the configured one in time that does
 * not depend on where they differ or on the presented length. */
bool http_token_equal(const char *given, const char *want);

/* "OK", "Not Found", ... for a status code. */
const char *http_reason(int status);

#endif
