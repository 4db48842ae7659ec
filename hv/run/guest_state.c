#include "hv/run/guest_state.h"

#include <string.h>

#include "hv/base/logring.h"
#include "hv/base/pool.h"
#include "hv/base/spin.h"

/* Written by the vCPU's core (state, the console's output, taking input
 * and requests) and by the management plane's (input, requests, reads),
 * which with an I/O core are different CPUs: everything here but the
 * request, an atomic exchange, is under `lock`. */
static struct spin lock;

static enum guest_state state;
static char reason[192];
static unsigned starts;
static struct logring console;
static uint8_t input[GS_INPUT_MAX];
static unsigned in_head, in_len;
static enum gs_request request;

void gs_set(enum guest_state s, const char *why)
{
	size_t n = why ? strlen(why) : 0;
	bool taken = spin_lock(&lock);

	if (n >= sizeof(reason))
		n = sizeof(reason) - 1;
	memcpy(reason, why ? why : "", n);
	reason[n] = 0;
	if (s == GS_RUNNING && state != GS_RUNNING)
		starts++;
	state = s;
	spin_unlock(&lock, taken);
}

enum guest_state gs_get(char *why, size_t n)
{
	bool taken = spin_lock(&lock);
	enum guest_state s = state;

	if (why && n) {
		size_t k = strlen(reason);

		if (k >= n)
			k = n - 1;
		memcpy(why, reason, k);
		why[k] = 0;
	}
	spin_unlock(&lock, taken);
	return s;
}

const char *gs_name(enum guest_state s)
{
	static const char *const names[] = { "not started", "running", "ended",
					     "failed" };

	return (unsigned)s < 4 ? names[s] : "unknown";
}

unsigned gs_starts(void)
{
	return starts;
}

void gs_console_init(void)
{
	void *mem = console.buf ? NULL : pool_pages(GS_CONSOLE_RING / 4096, 1);

	if (mem)
		logring_init(&console, mem, GS_CONSOLE_RING);
}

void gs_console_out(uint8_t c)
{
	bool taken = spin_lock(&lock);

	if (console.buf)
		logring_write(&console, &c, 1);
	spin_unlock(&lock, taken);
}

size_t gs_console_read(uint64_t offset, void *out, size_t len, uint64_t *from,
		       uint64_t *next)
{
	bool taken = spin_lock(&lock);
	size_t n = 0;

	*next = console.head;
	*from = 0;
	if (console.buf)
		n = logring_read(&console, offset, out, len, from);
	spin_unlock(&lock, taken);
	return n;
}

size_t gs_console_input(const uint8_t *data, size_t len)
{
	size_t n = 0;
	bool taken = spin_lock(&lock);

	for (; n < len && in_len < GS_INPUT_MAX; n++, in_len++)
		input[(in_head + in_len) % GS_INPUT_MAX] = data[n];
	spin_unlock(&lock, taken);
	return n;
}

int gs_console_take(void)
{
	int c = -1;

	/* Polled every millisecond: no lock while there is nothing. */
	if (!__atomic_load_n(&in_len, __ATOMIC_RELAXED))
		return -1;
	bool taken = spin_lock(&lock);

	if (in_len) {
		c = input[in_head];
		in_head = (in_head + 1) % GS_INPUT_MAX;
		in_len--;
	}
	spin_unlock(&lock, taken);
	return c;
}

void gs_request(enum gs_request r)
{
	__atomic_store_n(&request, r, __ATOMIC_RELEASE);
}

enum gs_request gs_take_request(void)
{
	return __atomic_exchange_n(&request, GS_REQ_NONE, __ATOMIC_ACQUIRE);
}
