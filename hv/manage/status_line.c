/* The screen's status line: what an operator in front of the machine
 * wants at a glance, once a second. */
#include "hv/manage/manage.h"

#include "hv/base/clock.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/version.h"
#include "hv/backend/network.h"
#include "hv/run/guest_state.h"
#include "hv/run/vm.h"
#include "net/netif.h"

#define STATUS_EVERY_NS 1000000000ull

static uint64_t next_ns, last_exits, last_ns;

/* The management address, or why there is none. */
static void mgmt_text(char *out, size_t n, uint16_t port)
{
	uint32_t a, m, g;

	if (!plinth_netif_addr(&a, &m, &g)) {
		fmt(out, n, "mgmt off");
		return;
	}
	/* lwIP keeps the address in network byte order. */
	fmt(out, n, "mgmt %u.%u.%u.%u:%u", a & 0xff, (a >> 8) & 0xff,
	    (a >> 16) & 0xff, a >> 24, port);
}

void status_line_poll(uint16_t mgmt_port)
{
	uint64_t now = clock_ns();
	struct vm_status vm;
	char line[256], mg[48];
	size_t k;

	if (now < next_ns)
		return;
	next_ns = now + STATUS_EVERY_NS;
	vm_status(&vm);
	mgmt_text(mg, sizeof(mg), mgmt_port);
	uint64_t rate = vm.exits >= last_exits && now > last_ns && last_ns
				? (vm.exits - last_exits) * 1000000000ull
					  / (now - last_ns)
				: 0;

	last_exits = vm.exits;
	last_ns = now;
	k = fmt(line, sizeof(line), " Plinth %s | up %lu s | guest %s | %s",
		plinth_version, (unsigned long)(now / 1000000000ull),
		gs_name(gs_get(NULL, 0)), mg);
	for (unsigned i = 0; i < vm.ndev && k < sizeof(line); i++)
		k += fmt(line + k, sizeof(line) - k, " | %s %s%s",
			 vm.dev[i].name, vm.dev[i].backend,
			 vm.dev[i].mac ? (vm.dev[i].link_up ? " up" : " down")
				       : "");
	if (k < sizeof(line))
		fmt(line + k, sizeof(line) - k, " | %lu exits/s",
		    (unsigned long)rate);
	log_status(line);
}
