/* The management server: HTTP/1.1 on lwIP's raw TCP API, one request per
 * connection.  What it serves comes from the hypervisor through struct
 * mgmt_ops, so this file knows HTTP and lwIP only.
 *
 *   GET  /                   the status page (no token needed)
 *   GET  /v1/status          JSON
 *   GET  /metrics            Prometheus text exposition format 0.0.4
 *   GET  /v1/console?offset=N  the guest's serial output from offset N
 *   POST /v1/console         bytes for the guest's serial input
 *   GET  /v1/log?offset=N    Plinth's own log from offset N
 *   POST /v1/guest/reset     POST /v1/guest/poweroff
 *
 * Everything but GET / wants "Authorization: Bearer TOKEN" (401 without
 * it).  At most MGMT_CONNS connections at once (lwIP holds back the
 * rest at the SYN), a connection idle for MGMT_IDLE_NS is closed, heads
 * and bodies are capped (net/http.h), and a malformed request gets its
 * 4xx and a close. */
#ifndef PLINTH_MGMT_H
#define PLINTH_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/base/counters.h"

#define MGMT_CONNS 8
#define MGMT_IDLE_NS (10ull * 1000000000ull)
#define MGMT_RESPONSE_MAX (512u << 10)
#define MGMT_RING_CHUNK (64u << 10) /* console or log bytes per answer */

/* A growing response body. */
struct mgmt_buf {
	char *p;
	size_t len, cap;
	bool full; /* MGMT_RESPONSE_MAX reached: the text was cut */
};

void mgmt_printf(struct mgmt_buf *b, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
void mgmt_put(struct mgmt_buf *b, const void *data, size_t len);
/* data as the inside of a JSON string (RFC 8259, 7). */
void mgmt_json_str(struct mgmt_buf *b, const char *data, size_t len);

enum mgmt_action { MGMT_GUEST_RESET, MGMT_GUEST_POWEROFF };

struct mgmt_ops {
	void (*status)(struct mgmt_buf *b); /* a JSON object */
	void (*metrics)(struct mgmt_buf *b);
	/* Up to len bytes of the console (or log) from offset; *from gets
	 * the offset actually read from, *next the offset after the last
	 * byte written so far. */
	size_t (*console)(uint64_t offset, void *out, size_t len,
			  uint64_t *from, uint64_t *next);
	size_t (*log)(uint64_t offset, void *out, size_t len, uint64_t *from,
		      uint64_t *next);
	/* Bytes typed into the guest's UART; how many were taken. */
	size_t (*console_input)(const uint8_t *data, size_t len);
	/* 0, or -1 with why (a JSON-safe sentence) when it cannot be done. */
	int (*guest)(enum mgmt_action a, const char **why);
};

struct mgmt_stats {
	uint64_t requests, unauthorized, bad_requests, refused, timeouts;
	uint64_t by_class[6]; /* responses by status / 100 */
	unsigned open;	      /* connections now */
};

/* Listens on `port`; 0, or -1 when lwIP has no memory for it. */
int mgmt_start(uint16_t port, const char *token, const struct mgmt_ops *ops);
const struct mgmt_stats *mgmt_stats(void);
/* Its counters (not by_class or open), described once. */
extern const struct counter_set mgmt_counters;
/* Bytes the server holds now for its connections (buffers). */
size_t mgmt_memory(void);

#endif
