#include "hv/run/guest_state.h"

#include <string.h>

#include "hv/base/logring.h"
#include "hv/base/pool.h"

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

	if (n >= sizeof(reason))
		n = sizeof(reason) - 1;
	memcpy(reason, why ? why : "", n);
	reason[n] = 0;
	if (s == GS_RUNNING && state != GS_RUNNING)
		starts++;
	state = s;
}

enum guest_state gs_get(const char **why)
{
	if (why)
		*why = reason;
	return state;
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
	if (console.buf)
		logring_write(&console, &c, 1);
}

size_t gs_console_read(uint64_t offset, void *out, size_t len, uint64_t *from,
		       uint64_t *next)
{
	*next = console.head;
	if (!console.buf) {
		*from = 0;
		return 0;
	}
	return logring_read(&console, offset, out, len, from);
}

size_t gs_console_input(const uint8_t *data, size_t len)
{
	size_t n = 0;

	for (; n < len && in_len < GS_INPUT_MAX; n++, in_len++)
		input[(in_head + in_len) % GS_INPUT_MAX] = data[n];
	return n;
}

int gs_console_take(void)
{
	int c;

	if (!in_len)
		return -1;
	c = input[in_head];
	in_head = (in_head + 1) % GS_INPUT_MAX;
	in_len--;
	return c;
}

void gs_request(enum gs_request r)
{
	request = r;
}

enum gs_request gs_take_request(void)
{
	enum gs_request r = request;

	request = GS_REQ_NONE;
	return r;
}
