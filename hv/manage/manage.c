/* The management plane's start-up and its view of the hypervisor; see
 * manage.h.  The JSON and the metrics are built here because only the
 * hypervisor knows its own parts; net/mgmt.c knows HTTP. */
#include "hv/manage/manage.h"

#include <string.h>

#include "arch/x86/io.h"
#include "arch/x86/tsc.h"
#include "hv/base/canary.h"
#include "hv/base/fmt.h"
#include "hv/run/guest_state.h"
#include "hv/platform/iobus.h"
#include "hv/base/log.h"
#include "hv/base/logring.h"
#include "hv/base/stats.h"
#include "hv/backend/network.h"
#include "hv/base/pool.h"
#include "hv/base/power.h"
#include "hv/base/version.h"
#include "hv/run/vm.h"
#include "lwip/ip4_addr.h"
#include "net/lwip_heap.h"
#include "net/lwip_port.h"
#include "net/mgmt.h"
#include "net/netif.h"
#include "virtio/virtq.h"

static bool running;
static const struct boot_info *boot;
/* A machine power-off or reboot asked for while no guest runs waits a
 * moment, so that the answer reaches the client first. */
static enum gs_request machine_action;
static uint64_t machine_action_at;

#define ACTION_DELAY_NS 300000000ull /* 300 ms */

static void ip_text(uint32_t a, char out[16])
{
	ip4_addr_t x;

	ip4_addr_set_u32(&x, a);
	ip4addr_ntoa_r(&x, out, 16);
}

static void mac_text(const uint8_t *m, char out[18])
{
	fmt(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
	    m[4], m[5]);
}

static void metric(struct mgmt_buf *b, const char *name, const char *type,
		   const char *help)
{
	mgmt_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* --- counters, from the registry (hv/base/stats.h) ----------------- */

static void value_json(struct mgmt_buf *b, const struct stats_source *s)
{
	mgmt_printf(b, "{");
	for (unsigned k = 0; k < s->set->n; k++)
		mgmt_printf(
			b, "%s\"%s\": %lu", k ? ", " : "", s->set->c[k].name,
			(unsigned long)counter_value(&s->set->c[k], s->stats));
	mgmt_printf(b, "}");
}

/* "queues": the device's virtqueues in order; "counters": its other
 * sets, each under its metric prefix. */
static void device_counters_json(struct mgmt_buf *b, const char *owner)
{
	bool first = true;

	mgmt_printf(b, "\"queues\": [");
	for (unsigned i = 0; i < stats_count(); i++) {
		const struct stats_source *s = stats_get(i);

		if (s->set == &vq_counters && !strcmp(s->owner, owner)) {
			mgmt_printf(b, "%s", first ? "" : ", ");
			value_json(b, s);
			first = false;
		}
	}
	mgmt_printf(b, "], \"counters\": {");
	first = true;
	for (unsigned i = 0; i < stats_count(); i++) {
		const struct stats_source *s = stats_get(i);

		if (s->set != &vq_counters && !strcmp(s->owner, owner)) {
			mgmt_printf(b, "%s\"%s\": ", first ? "" : ", ",
				    s->set->prefix);
			value_json(b, s);
			first = false;
		}
	}
	mgmt_printf(b, "}");
}

/* Every registered set: one HELP and TYPE per metric, then a line per
 * source of that set (the exposition format wants a family together). */
static void counter_metrics(struct mgmt_buf *b)
{
	unsigned n = stats_count();

	for (unsigned i = 0; i < n; i++) {
		const struct counter_set *set = stats_get(i)->set;
		bool seen = false;

		for (unsigned j = 0; j < i && !seen; j++)
			seen = stats_get(j)->set == set;
		for (unsigned k = 0; k < set->n && !seen; k++) {
			char name[80];

			fmt(name, sizeof(name), "%s_%s_total", set->prefix,
			    set->c[k].name);
			metric(b, name, "counter", set->c[k].help);
			for (unsigned j = i; j < n; j++) {
				const struct stats_source *s = stats_get(j);

				if (s->set != set)
					continue;
				mgmt_printf(b, "%s%s%s%s %lu\n", name,
					    s->labels[0] ? "{" : "", s->labels,
					    s->labels[0] ? "}" : "",
					    (unsigned long)counter_value(
						    &set->c[k], s->stats));
			}
		}
	}
}

/* --- GET /v1/status ------------------------------------------------ */

static void devices_json(struct mgmt_buf *b, const struct vm_status *vm)
{
	char mac[18];

	mgmt_printf(b, "\"devices\": [");
	for (unsigned i = 0; i < vm->ndev; i++) {
		const struct vm_dev_status *d = &vm->dev[i];

		mgmt_printf(b,
			    "%s{\"name\": \"%s\", \"type\": \"%s\", "
			    "\"backend\": \"%s\", ",
			    i ? ", " : "", d->name, d->type, d->backend);
		if (d->mac) {
			mac_text(d->mac, mac);
			mgmt_printf(b, "\"mac\": \"%s\", \"link\": \"%s\", ",
				    mac, d->link_up ? "up" : "down");
		} else {
			mgmt_printf(b, "\"sectors\": %lu, ",
				    (unsigned long)d->sectors);
		}
		device_counters_json(b, d->name);
		mgmt_printf(b, "}");
	}
	mgmt_printf(b, "]");
}

/* Each vCPU of the current run: its CPU, its state, its exits in all and
 * by reason (those at 0 left out). */
static void vcpus_json(struct mgmt_buf *b)
{
	struct vm_vcpu_status c;
	const char *name;
	uint64_t n;

	mgmt_printf(b, "\"vcpus\": [");
	for (unsigned i = 0; vm_vcpu_status(i, &c); i++) {
		mgmt_printf(b,
			    "%s{\"id\": %u, \"cpu\": %u, \"state\": \"%s\", "
			    "\"exits\": %lu, \"exits_by_reason\": {",
			    i ? ", " : "", i, c.cpu, c.state,
			    (unsigned long)c.exits);
		const char *sep = "";

		for (unsigned r = 0; vm_vcpu_exit_reason(i, r, &name, &n); r++)
			if (n) {
				mgmt_printf(b, "%s\"%s\": %lu", sep, name,
					    (unsigned long)n);
				sep = ", ";
			}
		mgmt_printf(b, "}}");
	}
	mgmt_printf(b, "]");
}

static void status(struct mgmt_buf *b)
{
	struct vm_status vm;
	struct nic_status nic;
	char why[192];
	enum guest_state gs = gs_get(why, sizeof(why));
	uint64_t up = clock_ns();
	uint32_t a, m, g;
	char t1[18], t2[16], t3[16];

	vm_status(&vm);
	mgmt_printf(b, "{\"version\": \"%s\", \"uptime_seconds\": %lu.%03lu, ",
		    plinth_version, (unsigned long)(up / 1000000000ull),
		    (unsigned long)(up / 1000000ull % 1000));
	mgmt_printf(b, "\"guest\": {\"state\": \"%s\", \"reason\": \"",
		    gs_name(gs));
	mgmt_json_str(b, why, strlen(why));
	mgmt_printf(
		b,
		"\", \"starts\": %u, \"memory_bytes\": %lu, "
		"\"exits\": %lu, ",
		gs_starts(),
		(unsigned long)(vm.ram_size ? vm.ram_size : boot->cfg.memory),
		(unsigned long)vm.exits);
	vcpus_json(b);
	mgmt_printf(b, "}, ");
	const struct palloc *pa = pool_allocator();

	mgmt_printf(b,
		    "\"memory\": {\"pool_bytes\": %lu, \"pool_free_bytes\":"
		    " %lu, \"heap_used_bytes\": %lu, \"heap_bytes\": %lu, "
		    "\"mgmt_server_bytes\": %zu}, ",
		    (unsigned long)(pa->npages * 4096),
		    (unsigned long)(pa->nfree * 4096),
		    (unsigned long)heap_used(), (unsigned long)heap_size(),
		    mgmt_memory());
	devices_json(b, &vm);
	if (network_status(&nic)) {
		mac_text(nic.mac, t1);
		mgmt_printf(b,
			    ", \"nic\": {\"model\": \"%s\", \"pci\": \"%s\", "
			    "\"mac\": \"%s\", \"link\": \"%s\", ",
			    nic.model, nic.where, t1,
			    nic.link_up ? "up" : "down");
		device_counters_json(b, nic.where);
		mgmt_printf(b, "}");
	}
	mac_text(network_mgmt_mac(), t1);
	mgmt_printf(b, ", \"mgmt\": {\"mac\": \"%s\", \"dhcp\": %s", t1,
		    plinth_netif_uses_dhcp() ? "true" : "false");
	if (plinth_netif_addr(&a, &m, &g)) {
		ip_text(a, t2);
		mgmt_printf(b, ", \"address\": \"%s\", \"prefix\": %d", t2,
			    __builtin_popcount(m));
		ip_text(g, t3);
		mgmt_printf(b, ", \"gateway\": \"%s\"", t3);
	}
	mgmt_printf(b, ", \"port\": %u}}\n", boot->cfg.mgmt_port);
}

/* --- GET /metrics --------------------------------------------------- */

/* A counter family with one label, from an iterator that is false past
 * its last entry; entries at 0 are left out. */
static void labelled(struct mgmt_buf *b, const char *name, const char *label,
		     const char *help,
		     bool (*at)(unsigned i, const char **value, uint64_t *n))
{
	const char *v;
	uint64_t n;

	metric(b, name, "counter", help);
	for (unsigned i = 0; at(i, &v, &n); i++)
		if (n)
			mgmt_printf(b, "%s{%s=\"%s\"} %lu\n", name, label, v,
				    (unsigned long)n);
}

static void vcpu_metrics(struct mgmt_buf *b)
{
	struct vm_vcpu_status c;
	const char *name;
	uint64_t n;

	metric(b, "plinth_vcpu_info", "gauge",
	       "Each vCPU of the current guest run: its CPU and state.");
	for (unsigned i = 0; vm_vcpu_status(i, &c); i++)
		mgmt_printf(b,
			    "plinth_vcpu_info{vcpu=\"%u\",cpu=\"%u\","
			    "state=\"%s\"} 1\n",
			    i, c.cpu, c.state);
	metric(b, "plinth_vcpu_exits_total", "counter",
	       "VM exits of the current guest run, by vCPU and reason.");
	for (unsigned i = 0; vm_vcpu_status(i, &c); i++)
		for (unsigned r = 0; vm_vcpu_exit_reason(i, r, &name, &n); r++)
			if (n)
				mgmt_printf(
					b,
					"plinth_vcpu_exits_total{vcpu=\"%u\","
					"reason=\"%s\"} %lu\n",
					i, name, (unsigned long)n);
}

static void guest_metrics(struct mgmt_buf *b, const struct vm_status *vm)
{
	metric(b, "plinth_guest_running", "gauge", "1 while the guest runs.");
	mgmt_printf(b, "plinth_guest_running %d\n",
		    gs_get(NULL, 0) == GS_RUNNING);
	metric(b, "plinth_guest_starts_total", "counter",
	       "Times the guest was started.");
	mgmt_printf(b, "plinth_guest_starts_total %u\n", gs_starts());
	labelled(b, "plinth_vm_exits_total", "reason",
		 "VM exits of the current guest run, by reason, every vCPU's "
		 "together.",
		 vm_exit_reason);
	vcpu_metrics(b);
	labelled(b, "plinth_guest_port_accesses_total", "device",
		 "Port I/O accesses of the current guest run, by device.",
		 iobus_counts);
	for (unsigned i = 0; i < vm->ndev; i++)
		if (!vm->dev[i].mac) {
			metric(b, "plinth_disk_sectors", "gauge",
			       "Size of the guest's disk in 512-byte sectors.");
			mgmt_printf(b,
				    "plinth_disk_sectors{backend=\"%s\"} "
				    "%lu\n",
				    vm->dev[i].backend,
				    (unsigned long)vm->dev[i].sectors);
		}
}

static void metrics(struct mgmt_buf *b)
{
	struct vm_status vm;
	struct nic_status nic;
	const struct mgmt_stats *ms = mgmt_stats();
	uint64_t up = clock_ns();

	vm_status(&vm);
	metric(b, "plinth_uptime_seconds", "gauge",
	       "Seconds since Plinth's clock started.");
	mgmt_printf(b, "plinth_uptime_seconds %lu.%03lu\n",
		    (unsigned long)(up / 1000000000ull),
		    (unsigned long)(up / 1000000ull % 1000));
	guest_metrics(b, &vm);
	counter_metrics(b);
	if (network_status(&nic)) {
		metric(b, "plinth_nic_link_up", "gauge",
		       "1 while the link is up.");
		mgmt_printf(b, "plinth_nic_link_up{nic=\"%s\"} %d\n", nic.where,
			    nic.link_up);
	}
	metric(b, "plinth_mgmt_http_responses_total", "counter",
	       "Management API responses, by status class.");
	for (unsigned c = 1; c < 6; c++)
		mgmt_printf(b,
			    "plinth_mgmt_http_responses_total{class=\"%uxx\"}"
			    " %lu\n",
			    c, (unsigned long)ms->by_class[c]);
	metric(b, "plinth_mgmt_connections", "gauge",
	       "Management connections open now.");
	mgmt_printf(b, "plinth_mgmt_connections %u\n", ms->open);
	metric(b, "plinth_heap_used_bytes", "gauge",
	       "Bytes of Plinth's heap in use (lwIP and the server included).");
	mgmt_printf(b, "plinth_heap_used_bytes %lu\n",
		    (unsigned long)heap_used());
	canary_check();
	metric(b, "plinth_canaries", "gauge",
	       "Guard pages watched beside guest RAM and Plinth's buffers.");
	mgmt_printf(b, "plinth_canaries %lu\n",
		    (unsigned long)canary_st.placed);
	metric(b, "plinth_canaries_broken", "gauge",
	       "Guard pages found written: memory beside a buffer is "
	       "damaged (the log says which).");
	mgmt_printf(b, "plinth_canaries_broken %lu\n",
		    (unsigned long)canary_st.broken);
	metric(b, "plinth_lwip_heap_bytes", "gauge",
	       "Bytes of the heap lwIP holds now (its budget: "
	       "plinth_lwip_heap_budget_bytes).");
	mgmt_printf(b, "plinth_lwip_heap_bytes %lu\n",
		    (unsigned long)lwip_heap_st.in_use);
	metric(b, "plinth_lwip_heap_budget_bytes", "gauge",
	       "The most heap lwIP may hold.");
	mgmt_printf(b, "plinth_lwip_heap_budget_bytes %lu\n",
		    (unsigned long)LWIP_HEAP_BUDGET);
	metric(b, "plinth_lwip_heap_refused_total", "counter",
	       "lwIP allocations refused at its budget (connections or "
	       "frames dropped).");
	mgmt_printf(b, "plinth_lwip_heap_refused_total %lu\n",
		    (unsigned long)lwip_heap_st.refused);
}

/* --- the rest of the API ------------------------------------------- */

static int guest_action(enum mgmt_action a, const char **why)
{
	enum guest_state s = gs_get(NULL, 0);

	if (s == GS_RUNNING) {
		gs_request(a == MGMT_GUEST_RESET ? GS_REQ_RESET
						 : GS_REQ_POWEROFF);
		log_msg("mgmt: guest %s asked for",
			a == MGMT_GUEST_RESET ? "reset" : "power-off");
		return 0;
	}
	if (s == GS_FAILED) {
		/* No guest: the machine itself, once the answer is out. */
		machine_action = a == MGMT_GUEST_RESET ? GS_REQ_RESET
						       : GS_REQ_POWEROFF;
		machine_action_at = clock_ns() + ACTION_DELAY_NS;
		return 0;
	}
	*why = "the guest is not running";
	return -1;
}

static const struct mgmt_ops ops = {
	.status = status,
	.metrics = metrics,
	.console = gs_console_read,
	.log = log_ring_read,
	.console_input = gs_console_input,
	.guest = guest_action,
};

/* --- start-up ------------------------------------------------------- */

static uint32_t ip_u32(const uint8_t a[4])
{
	ip4_addr_t x;

	IP4_ADDR(&x, a[0], a[1], a[2], a[3]);
	return ip4_addr_get_u32(&x);
}

void manage_start(const struct boot_info *bi)
{
	const struct plinth_config *c = &bi->cfg;
	struct netif_cfg nc = { .dhcp = c->mgmt == CFG_MGMT_DHCP };
	struct nswitch *sw;
	char err[160];

	boot = bi;
	if (c->mgmt == CFG_MGMT_OFF) {
		log_msg("mgmt: off (plinth.cfg has no mgmt)");
		return;
	}
	if (strlen(c->mgmt_token) < CFG_TOKEN_MIN) {
		log_msg("mgmt: off: mgmt_token must be set, at least %d "
			"characters",
			CFG_TOKEN_MIN);
		return;
	}
	sw = network_open(bi, err, sizeof(err));
	if (!sw) {
		log_msg("mgmt: off: %s", err);
		return;
	}
	if (nc.dhcp == false) {
		nc.addr = ip_u32(c->mgmt_ip);
		nc.gw = ip_u32(c->mgmt_gw);
		nc.mask = lwip_htonl(~0u << (32 - c->mgmt_prefix));
	}
	if (plinth_netif_start(&sw->side[SW_MGMT], network_mgmt_mac(), &nc)
	    || mgmt_start(c->mgmt_port, c->mgmt_token, &ops)) {
		log_msg("mgmt: off: lwIP has no memory for the interface or "
			"the server");
		return;
	}
	running = true;
	stats_add(&mgmt_counters, mgmt_stats(), "mgmt", "%s", "");
	char mac[18];

	mac_text(network_mgmt_mac(), mac);
	log_msg("mgmt: HTTP on port %u, MAC %s, address %s; the guest %s "
		"reach it inside Plinth",
		c->mgmt_port, mac, nc.dhcp ? "by DHCP" : "static",
		c->mgmt_guest_access ? "may" : "may not");
}

bool manage_running(void)
{
	return running;
}

void manage_poll(void)
{
	if (running)
		net_poll();
	status_line_poll(boot->cfg.mgmt_port);
}

void manage_stay_up(const char *why)
{
	if (!running || boot->cfg.on_fault != CFG_ACT_HALT)
		return;
	log_msg("guest: not running (%s); the management plane stays up", why);
	for (;;) {
		network_poll();
		net_poll();
		status_line_poll(boot->cfg.mgmt_port);
		if (machine_action && clock_ns() >= machine_action_at) {
			if (machine_action == GS_REQ_RESET)
				power_reboot("asked through the management "
					     "plane");
			power_off("asked through the management plane");
		}
		cpu_pause();
	}
}
