/* HTTP/1.1 request heads; see http.h.  Section numbers are RFC 9112's
 * (message syntax) and RFC 9110's (semantics). */
#include "net/http.h"

#include <string.h>

/* tchar (RFC 9110, 5.6.2) */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	       || (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t n = strlen(b);

	if (alen != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* The end of the head (after CRLFCRLF) within len, or 0. */
static size_t head_end(const char *b, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n'
		    && b[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* Request line (3.): method SP request-target SP HTTP-version. */
static int request_line(const char *p, size_t n, struct http_req *r)
{
	size_t i = 0, m, t;

	while (i < n && tchar(p[i]))
		i++;
	m = i;
	if (!m || i >= n || p[i] != ' ')
		return 400;
	if (m == 3 && !memcmp(p, "GET", 3))
		r->method = HTTP_GET;
	else if (m == 4 && !memcmp(p, "HEAD", 4))
		r->method = HTTP_HEAD;
	else if (m == 4 && !memcmp(p, "POST", 4))
		r->method = HTTP_POST;
	else
		return 501; /* a method this server does not implement */
	t = ++i;
	while (i < n && p[i] != ' ')
		i++;
	/* origin-form only (3.2.1): an absolute path and a query, visible
	 * characters. */
	if (i == t || p[t] != '/' || i >= n)
		return 400;
	if (i - t >= HTTP_TARGET_MAX)
		return 414;
	for (size_t k = t; k < i; k++)
		if (p[k] <= ' ' || p[k] > '~' || p[k] == '#')
			return 400;
	const char *q = memchr(p + t, '?', i - t);
	size_t plen = q ? (size_t)(q - (p + t)) : i - t;

	memcpy(r->path, p + t, plen);
	r->path[plen] = 0;
	if (q) {
		size_t qlen = i - t - plen - 1;

		memcpy(r->query, q + 1, qlen);
		r->query[qlen] = 0;
	}
	i++;
	if (n - i != 8 || memcmp(p + i, "HTTP/", 5) || p[i + 6] != '.'
	    || p[i + 5] < '0' || p[i + 5] > '9' || p[i + 7] < '0'
	    || p[i + 7] > '9')
		return 400;
	if (p[i + 5] != '1')
		return 505;
	r->minor0 = p[i + 7] == '0';
	return 0;
}

static int content_length(const char *v, size_t n, struct http_req *r,
			  bool *seen)
{
	uint64_t x = 0;

	if (!n)
		return 400;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 400;
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > HTTP_BODY_MAX)
			return 413;
	}
	/* Two different lengths would let a proxy and this server disagree
	 * on where the request ends (6.3). */
	if (*seen && x != r->body_len)
		return 400;
	*seen = true;
	r->body_len = (uint32_t)x;
	return 0;
}

static void authorization(const char *v, size_t n, struct http_req *r)
{
	/* credentials = auth-scheme 1*SP token68 (RFC 9110, 11.4) */
	if (n < 8 || !ieq(v, 6, "bearer") || v[6] != ' ')
		return;
	v += 7;
	n -= 7;
	while (n && *v == ' ') {
		v++;
		n--;
	}
	if (!n || n >= HTTP_TOKEN_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return;
	memcpy(r->token, v, n);
	r->token[n] = 0;
	r->bearer = true;
}

/* One field line (5.): name ":" OWS value OWS. */
static int field(const char *p, size_t n, struct http_req *r, bool *cl_seen)
{
	size_t i = 0, vs, ve;

	while (i < n && tchar(p[i]))
		i++;
	if (!i || i >= n || p[i] != ':')
		return 400; /* also a space before the colon (5.1) */
	vs = i + 1;
	while (vs < n && (p[vs] == ' ' || p[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	for (size_t k = vs; k < ve; k++)
		if ((p[k] < ' ' && p[k] != '\t') || p[k] == 0x7f)
			return 400;
	if (ieq(p, i, "content-length"))
		return content_length(p + vs, ve - vs, r, cl_seen);
	if (ieq(p, i, "transfer-encoding"))
		return 501;
	if (ieq(p, i, "authorization"))
		authorization(p + vs, ve - vs, r);
	return 0;
}

int http_parse(const char *buf, size_t len, struct http_req *r)
{
	size_t lim = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	size_t at = 0, end;
	unsigned fields = 0;
	bool cl_seen = false;

	memset(r, 0, sizeof(*r));
	/* 2.2: a few empty lines before the request line are ignored. */
	while (at < 16 && lim - at >= 2 && buf[at] == '\r'
	       && buf[at + 1] == '\n')
		at += 2;
	end = head_end(buf + at, lim - at);
	if (end)
		end += at;
	else {
		/* A bare CR or LF, or a NUL, can never become valid. */
		for (size_t i = at; i < len && i < HTTP_HEAD_MAX; i++)
			if (!buf[i]
			    || (buf[i] == '\n'
				&& (i == 0 || buf[i - 1] != '\r')))
				return 400;
		return len >= HTTP_HEAD_MAX ? 431 : HTTP_MORE;
	}
	for (int line = 0;; line++) {
		const char *p = buf + at;
		const char *nl = memchr(p, '\n', end - at);
		size_t n;
		int st;

		if (!nl || nl == p || nl[-1] != '\r')
			return 400;
		n = (size_t)(nl - p) - 1;
		if (memchr(p, '\r', n) || memchr(p, 0, n))
			return 400; /* a bare CR inside the line */
		at += n + 2;
		if (!n && line == 0)
			return 400; /* no request line */
		if (!n)
			break; /* the empty line ends the head */
		if (line == 0)
			st = request_line(p, n, r);
		else if (p[0] == ' ' || p[0] == '\t')
			st = 400; /* obs-fold (5.2) */
		else if (++fields > HTTP_HEADERS_MAX)
			st = 431;
		else
			st = field(p, n, r, &cl_seen);
		if (st)
			return st;
	}
	/* 6.3: a POST without a length has an empty body here. */
	r->head_len = at;
	return HTTP_DONE;
}

bool http_query_u64(const char *q, const char *name, uint64_t *out)
{
	size_t nl = strlen(name);

	while (*q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);

		if (len > nl && !strncmp(q, name, nl) && q[nl] == '=') {
			uint64_t v = 0;
			size_t i = nl + 1;

			if (i == len || len - i > 19)
				return false;
			for (; i < len; i++) {
				if (q[i] < '0' || q[i] > '9')
					return false;
				v = v * 10 + (uint64_t)(q[i] - '0');
			}
			*out = v;
			return true;
		}
		q += len + (amp != NULL);
	}
	return false;
}

bool http_token_equal(const char *given, const char *want)
{
	size_t gl = strnlen(given, HTTP_TOKEN_MAX);
	size_t wl = strnlen(want, HTTP_TOKEN_MAX);
	unsigned diff = (unsigned)(gl ^ wl);

	/* Every position is compared, whatever the lengths and wherever the
	 * strings differ, so the time tells nothing about the token. */
	for (size_t i = 0; i < HTTP_TOKEN_MAX; i++) {
		unsigned char g = i < gl ? (unsigned char)given[i] : 0;
		unsigned char w = i < wl ? (unsigned char)want[i] : 0;

		diff |= (unsigned)(g ^ w);
	}
	return !diff && wl > 0;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}
