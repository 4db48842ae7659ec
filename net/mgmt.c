/* The management server; see mgmt.h.  lwIP runs NO_SYS=1 from the run
 * loop, so every callback here runs there too, one at a time. */
#include "net/mgmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/tsc.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "lwip/tcp.h"
#include "net/http.h"
#include "net/mgmt_page.h"

#define IN_MAX (HTTP_HEAD_MAX + HTTP_BODY_MAX)
#define POLL_INTERVAL 2 /* lwIP's coarse timer ticks (500 ms each) */
/* A request must be complete this long after the connection opened, and
 * its answer sent this long after that, however the bytes trickle: a
 * client cannot hold a connection by sending (or reading) slowly. */
#define REQUEST_NS (10ull * 1000000000ull)
#define ANSWER_NS (30ull * 1000000000ull)
/* After this end's FIN: how many polls (2 s each) a connection may wait
 * for the client's, or for its data to be acknowledged. */
#define LINGER_POLLS 15

struct conn {
	struct tcp_pcb *pcb;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_sent;
	uint64_t last_ns;     /* the last byte either way */
	uint64_t deadline_ns; /* for the whole request, then the answer */
	bool answered;
};

static struct tcp_pcb *listener;
static const struct mgmt_ops *ops;
static char token[HTTP_TOKEN_MAX];
static struct conn conns[MGMT_CONNS];
static struct mgmt_stats st;

/* --- response text ------------------------------------------------- */

static void grow(struct mgmt_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->full || b->len + more + 1 <= b->cap)
		return;
	if (b->len + more + 1 > MGMT_RESPONSE_MAX) {
		b->full = true;
		return;
	}
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (cap > MGMT_RESPONSE_MAX)
		cap = MGMT_RESPONSE_MAX;
	p = realloc(b->p, cap);
	if (!p) {
		b->full = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void mgmt_put(struct mgmt_buf *b, const void *data, size_t len)
{
	grow(b, len);
	if (b->full)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
}

void mgmt_printf(struct mgmt_buf *b, const char *f, ...)
{
	char line[512];
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = fmt_v(line, sizeof(line), f, ap);
	va_end(ap);
	mgmt_put(b, line, n < sizeof(line) ? n : sizeof(line) - 1);
}

void mgmt_json_str(struct mgmt_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c == '"' || c == '\\') {
			char two[2] = { '\\', (char)c };

			mgmt_put(b, two, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Control and non-ASCII bytes as \u00XX: the console
			 * is bytes, not necessarily UTF-8. */
			mgmt_put(b, esc, 6);
		} else {
			mgmt_put(b, &c, 1);
		}
	}
}

/* --- connections --------------------------------------------------- */

static void conn_free(struct conn *c)
{
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	st.open--;
}

/* After the answer: lwIP sends what is queued and the FIN; this end
 * keeps reading (and dropping) what the client still sends, waits for its
 * FIN, and gives up on a client that never acknowledges or closes. */
static err_t linger_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err)
{
	(void)arg;
	(void)err;
	if (p) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
	}
	return ERR_OK; /* the client's FIN: lwIP finishes the close */
}

static err_t linger_poll(void *arg, struct tcp_pcb *pcb)
{
	uintptr_t polls = (uintptr_t)arg + 1;

	if (pcb->state == FIN_WAIT_2 || polls > LINGER_POLLS) {
		/* FIN_WAIT_2 without a timeout of its own would wait for
		 * the client forever. */
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	/* A FIN that found no memory the first time. */
	if (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT)
		tcp_shutdown(pcb, 0, 1);
	tcp_arg(pcb, (void *)polls);
	return ERR_OK;
}

/* The connection leaves the server's hands: its slot is free and it no
 * longer counts against the listen backlog.  With `graceful`, lwIP sends
 * the queued answer and a FIN (this end closes first, as HTTP/1.1 has a
 * server that sent "Connection: close" do); otherwise it is reset. */
static void conn_close(struct conn *c, bool graceful)
{
	struct tcp_pcb *pcb = c->pcb;

	tcp_arg(pcb, NULL);
	tcp_recv(pcb, linger_recv);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, linger_poll, POLL_INTERVAL);
	tcp_backlog_accepted(pcb);
	conn_free(c);
	/* tcp_close would reset a connection whose client's FIN came with
	 * its last bytes (the receive window is one short inside the
	 * receive callback): shutting the sending side never does. */
	if (!graceful)
		tcp_abort(pcb);
	else
		tcp_shutdown(pcb, 0, 1);
}

/* As much of the response as the send buffer takes. */
static void send_more(struct conn *c)
{
	while (c->out_sent < c->out_len) {
		size_t room = tcp_sndbuf(c->pcb);
		size_t n = c->out_len - c->out_sent;

		if (!room)
			break;
		if (n > room)
			n = room;
		if (n > 0xffff)
			n = 0xffff;
		if (tcp_write(c->pcb, c->out + c->out_sent, (u16_t)n,
			      TCP_WRITE_FLAG_COPY)
		    != ERR_OK)
			break;
		c->out_sent += n;
	}
	tcp_output(c->pcb);
	if (c->out_sent == c->out_len)
		conn_close(c, true); /* one request per connection */
}

static void respond(struct conn *c, int status, const char *type,
		    const char *extra, const struct mgmt_buf *body,
		    bool head_only)
{
	struct mgmt_buf h = { 0 };
	size_t blen = body ? body->len : 0;

	st.by_class[status / 100 < 6 ? status / 100 : 0]++;
	mgmt_printf(&h,
		    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
		    "X-Content-Type-Options: nosniff\r\nConnection: close\r\n%s"
		    "\r\n",
		    status, http_reason(status), type, blen,
		    extra ? extra : "");
	if (body && !head_only)
		mgmt_put(&h, body->p, body->len);
	c->answered = true;
	c->deadline_ns = clock_ns() + ANSWER_NS;
	if (h.full) {
		/* No memory for the answer: the client sees the connection
		 * close without one (an abort here, inside lwIP's callback,
		 * would leave it a freed pcb). */
		free(h.p);
		conn_close(c, true);
		return;
	}
	c->out = h.p;
	c->out_len = h.len;
	c->out_sent = 0;
	send_more(c);
}

static void respond_error(struct conn *c, int status, const char *msg,
			  const char *extra, bool head_only)
{
	struct mgmt_buf b = { 0 };

	mgmt_printf(&b, "{\"error\": \"%s\"}\n", msg);
	respond(c, status, "application/json", extra, &b, head_only);
	free(b.p);
}

/* GET /v1/console and /v1/log: a chunk of a ring from ?offset=N. */
static void ring_answer(struct conn *c, const struct http_req *r,
			size_t (*read)(uint64_t, void *, size_t, uint64_t *,
				       uint64_t *))
{
	struct mgmt_buf b = { 0 };
	uint64_t off = 0, from, next;
	char extra[96];

	if (r->query[0] && !http_query_u64(r->query, "offset", &off)) {
		respond_error(c, 400, "offset must be a decimal number", NULL,
			      r->method == HTTP_HEAD);
		return;
	}
	grow(&b, MGMT_RING_CHUNK);
	if (b.full) {
		respond_error(c, 503, "no memory for the answer", NULL,
			      r->method == HTTP_HEAD);
		return;
	}
	b.len = read(off, b.p, MGMT_RING_CHUNK, &from, &next);
	fmt(extra, sizeof(extra), "X-Offset: %lu\r\nX-Next-Offset: %lu\r\n",
	    (unsigned long)from, (unsigned long)(from + b.len));
	(void)next;
	respond(c, 200, "text/plain; charset=utf-8", extra, &b,
		r->method == HTTP_HEAD);
	free(b.p);
}

static bool is(const struct http_req *r, const char *path)
{
	return !strcmp(r->path, path);
}

/* The status page needs no token: it asks for one. */
static void serve_page(struct conn *c, bool get, bool head)
{
	struct mgmt_buf b = { 0 };

	if (!get) {
		respond_error(c, 405, "GET only", "Allow: GET, HEAD\r\n",
			      false);
		return;
	}
	b.p = (char *)mgmt_page;
	b.len = mgmt_page_len;
	respond(c, 200, "text/html; charset=utf-8",
		"Content-Security-Policy: default-src 'self'; "
		"script-src 'unsafe-inline'; style-src 'unsafe-inline'\r\n",
		&b, head);
}

static void route(struct conn *c, const struct http_req *r, const char *body)
{
	struct mgmt_buf b = { 0 };
	bool head = r->method == HTTP_HEAD;
	bool get = r->method == HTTP_GET || head;
	bool known = is(r, "/") || is(r, "/v1/status") || is(r, "/metrics")
		     || is(r, "/v1/console") || is(r, "/v1/log")
		     || is(r, "/v1/guest/reset") || is(r, "/v1/guest/poweroff");

	st.requests++;
	if (!known) {
		respond_error(c, 404, "no such resource", NULL, head);
		return;
	}
	if (is(r, "/")) {
		serve_page(c, get, head);
		return;
	}
	if (!r->bearer || !http_token_equal(r->token, token)) {
		st.unauthorized++;
		respond_error(c, 401, "a valid bearer token is needed",
			      "WWW-Authenticate: Bearer realm=\"plinth\"\r\n",
			      head);
		return;
	}
	bool post_only = is(r, "/v1/guest/reset")
			 || is(r, "/v1/guest/poweroff");

	if ((post_only && r->method != HTTP_POST)
	    || (!post_only && !is(r, "/v1/console") && !get)) {
		respond_error(c, 405, post_only ? "POST only" : "GET only",
			      post_only ? "Allow: POST\r\n"
					: "Allow: GET, HEAD\r\n",
			      head);
		return;
	}
	if (is(r, "/v1/status")) {
		ops->status(&b);
		respond(c, b.full ? 500 : 200, "application/json", NULL, &b,
			r->method == HTTP_HEAD);
	} else if (is(r, "/metrics")) {
		ops->metrics(&b);
		respond(c, b.full ? 500 : 200,
			"text/plain; version=0.0.4; charset=utf-8", NULL, &b,
			r->method == HTTP_HEAD);
	} else if (is(r, "/v1/console") && r->method == HTTP_POST) {
		size_t n = ops->console_input((const uint8_t *)body,
					      r->body_len);

		mgmt_printf(&b, "{\"accepted\": %zu, \"dropped\": %zu}\n", n,
			    (size_t)r->body_len - n);
		respond(c, 200, "application/json", NULL, &b, false);
	} else if (is(r, "/v1/console")) {
		ring_answer(c, r, ops->console);
	} else if (is(r, "/v1/log")) {
		ring_answer(c, r, ops->log);
	} else {
		const char *why = NULL;
		enum mgmt_action a = is(r, "/v1/guest/reset")
					     ? MGMT_GUEST_RESET
					     : MGMT_GUEST_POWEROFF;

		if (ops->guest(a, &why)) {
			respond_error(c, 409, why, NULL, false);
		} else {
			mgmt_printf(&b, "{\"accepted\": \"%s\"}\n",
				    a == MGMT_GUEST_RESET ? "reset"
							  : "poweroff");
			respond(c, 202, "application/json", NULL, &b, false);
		}
	}
	free(b.p);
}

/* Bytes arrived: once the head and body are all there, answer. */
static void process(struct conn *c)
{
	struct http_req r;
	int st_ = http_parse(c->in, c->in_len, &r);

	if (st_ == HTTP_MORE)
		return;
	if (st_ != HTTP_DONE) {
		st.bad_requests++;
		respond_error(c, st_, http_reason(st_), NULL, false);
		return;
	}
	if (c->in_len < r.head_len + r.body_len)
		return; /* the body is still on its way */
	route(c, &r, c->in + r.head_len);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p || err != ERR_OK) {
		/* The client closed: before a whole request, which gets no
		 * answer; or only its sending side, after the request, while
		 * the answer is still going out, which then goes on. */
		if (p)
			pbuf_free(p);
		if (!c->answered)
			conn_close(c, true);
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	c->last_ns = clock_ns();
	if (!c->answered) {
		size_t take = p->tot_len;

		if (c->in_len + take > IN_MAX)
			take = IN_MAX - c->in_len;
		pbuf_copy_partial(p, c->in + c->in_len, (u16_t)take, 0);
		c->in_len += take;
		c->in[c->in_len] = 0;
		pbuf_free(p);
		process(c);
		return ERR_OK;
	}
	pbuf_free(p); /* more after the one request: ignored */
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	(void)pcb;
	(void)len;
	if (c) {
		c->last_ns = clock_ns();
		send_more(c);
	}
	return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;
	uint64_t now = clock_ns();

	(void)pcb;
	if (!c)
		return ERR_OK;
	if (now - c->last_ns > MGMT_IDLE_NS || now > c->deadline_ns) {
		/* A half-sent request, a client that stopped reading, or
		 * one that trickles: reset, so its slot is free at once. */
		st.timeouts++;
		conn_close(c, false);
		return ERR_ABRT;
	}
	if (c->answered)
		send_more(c); /* what found no send buffer before */
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	if (arg)
		conn_free(arg); /* lwIP has freed the pcb already */
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c = NULL;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (unsigned i = 0; i < MGMT_CONNS && !c; i++)
		if (!conns[i].pcb)
			c = &conns[i];
	if (c)
		c->in = malloc(IN_MAX + 1);
	if (!c || !c->in) {
		/* The backlog keeps this from happening; memory may not. */
		st.refused++;
		if (c)
			c->in = NULL;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	/* Counted against the listen backlog until it closes: that caps
	 * the connections, and lwIP drops further SYNs (the client tries
	 * again) rather than refusing them. */
	tcp_backlog_delayed(pcb);
	c->pcb = pcb;
	c->last_ns = clock_ns();
	c->deadline_ns = c->last_ns + REQUEST_NS;
	st.open++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_poll(pcb, on_poll, POLL_INTERVAL);
	tcp_err(pcb, on_err);
	return ERR_OK;
}

int mgmt_start(uint16_t port, const char *tok, const struct mgmt_ops *o)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	err_t err;

	ops = o;
	strncpy(token, tok, sizeof(token) - 1);
	if (!pcb)
		return -1;
	if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		tcp_abort(pcb);
		return -1;
	}
	listener = tcp_listen_with_backlog_and_err(pcb, MGMT_CONNS, &err);
	if (!listener)
		return -1;
	tcp_accept(listener, on_accept);
	return 0;
}

const struct mgmt_stats *mgmt_stats(void)
{
	return &st;
}

size_t mgmt_memory(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < MGMT_CONNS; i++)
		if (conns[i].pcb)
			n += IN_MAX + 1 + conns[i].out_len;
	return n;
}
