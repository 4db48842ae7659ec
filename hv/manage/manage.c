/* The management plane's start-up and its view of the hypervisor; see
 * manage.h.  The JSON and the metrics are built here because only the
 * hypervisor knows its own parts; net/mgmt.c knows HTTP. */
#include "hv/manage/manage.h"

#include <string.h>

#include "arch/x86/io.h"
#include "arch/x86/tsc.h"
#include "drivers/ahci.h"
#include "drivers/e1000.h"
#include "hv/backend/disk.h"
#include "hv/base/fmt.h"
#include "hv/run/guest_state.h"
#include "hv/platform/iobus.h"
#include "hv/base/log.h"
#include "hv/base/logring.h"
#include "hv/backend/network.h"
#include "hv/base/pool.h"
#include "hv/base/power.h"
#include "hv/run/vcpu.h"
#include "hv/base/version.h"
#include "hv/run/vm.h"
#include "lwip/ip4_addr.h"
#include "net/lwip_port.h"
#include "net/mgmt.h"
#include "net/netif.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"

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

/* --- GET /v1/status ------------------------------------------------ */

static void queues_json(struct mgmt_buf *b, const struct vdev *d)
{
	mgmt_printf(b, "\"queues\": [");
	for (unsigned i = 0; i < d->nq; i++) {
		const struct vq_stats *q = &d->vq[i].st;

		mgmt_printf(b, "%s{\"requests\": %lu, \"bytes\": %lu, "
			    "\"errors\": %lu, \"stalls\": %lu}", i ? ", " : "",
			    (unsigned long)q->requests, (unsigned long)q->bytes,
			    (unsigned long)q->errors, (unsigned long)q->stalls);
	}
	mgmt_printf(b, "]");
}

static void status(struct mgmt_buf *b)
{
	const struct vm_parts *vm = vm_parts();
	const struct e1000 *nic = network_nic();
	const char *why;
	enum guest_state gs = gs_get(&why);
	uint64_t up = clock_ns(), exits = vm->vcpu ? vm->vcpu->exits : 0;
	uint32_t a, m, g;
	char t1[18], t2[16], t3[16];

	mgmt_printf(b, "{\"version\": \"%s\", \"uptime_seconds\": %lu.%03lu, ",
		    plinth_version, (unsigned long)(up / 1000000000ull),
		    (unsigned long)(up / 1000000ull % 1000));
	mgmt_printf(b, "\"guest\": {\"state\": \"%s\", \"reason\": \"",
		    gs_name(gs));
	mgmt_json_str(b, why, strlen(why));
	mgmt_printf(b, "\", \"starts\": %u, \"memory_bytes\": %lu, "
		    "\"exits\": %lu}, ", gs_starts(),
		    (unsigned long)(vm->ram_size ? vm->ram_size
						  : boot->cfg.memory),
		    (unsigned long)exits);
	const struct palloc *pa = pool_allocator();

	mgmt_printf(b, "\"memory\": {\"pool_bytes\": %lu, \"pool_free_bytes\":"
		    " %lu, \"heap_used_bytes\": %lu, \"heap_bytes\": %lu, "
		    "\"mgmt_server_bytes\": %zu}, ",
		    (unsigned long)(pa->npages * 4096),
		    (unsigned long)(pa->nfree * 4096),
		    (unsigned long)heap_used(), (unsigned long)heap_size(),
		    mgmt_memory());
	mgmt_printf(b, "\"devices\": [");
	if (vm->blk)
		mgmt_printf(b, "{\"name\": \"%s\", \"type\": \"virtio-blk\", "
			    "\"backend\": \"%s\", \"sectors\": %lu, ",
			    vm->blk->dev.name, vm->disk->name,
			    (unsigned long)vm->disk->sectors);
	if (vm->blk) {
		queues_json(b, &vm->blk->dev);
		mgmt_printf(b, "}");
	}
	if (vm->net) {
		mac_text(vm->net->mac, t1);
		mgmt_printf(b, "%s{\"name\": \"%s\", \"type\": \"virtio-net\", "
			    "\"backend\": \"%s\", \"mac\": \"%s\", \"link\": "
			    "\"%s\", ", vm->blk ? ", " : "", vm->net->dev.name,
			    nic ? "e1000" : "none", t1,
			    vm->net->link_up ? "up" : "down");
		queues_json(b, &vm->net->dev);
		mgmt_printf(b, "}");
	}
	mgmt_printf(b, "]");
	if (nic) {
		mac_text(nic->mac, t1);
		mgmt_printf(b, ", \"nic\": {\"model\": \"%s\", \"pci\": \"%s\", "
			    "\"mac\": \"%s\", \"link\": \"%s\"}",
			    nic->model->name, nic->where, t1,
			    nic->port.link_up ? "up" : "down");
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

static void metric(struct mgmt_buf *b, const char *name, const char *type,
		   const char *help)
{
	mgmt_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct counter {
	const char *name, *help;
	uint64_t v;
};

/* PREFIX_NAME_total{LABELS} for each counter; labels may be "". */
static void counters(struct mgmt_buf *b, const char *prefix,
		     const char *labels, const struct counter *c, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		char name[64];

		fmt(name, sizeof(name), "%s_%s_total", prefix, c[k].name);
		metric(b, name, "counter", c[k].help);
		mgmt_printf(b, "%s%s %lu\n", name, labels,
			    (unsigned long)c[k].v);
	}
}

static void queue_metrics(struct mgmt_buf *b, const struct vdev *d,
			  const char *what, size_t off)
{
	for (unsigned i = 0; i < d->nq; i++) {
		const uint64_t *v = (const uint64_t *)((const char *)&d->vq[i].st
						       + off);

		mgmt_printf(b, "plinth_virtio_%s_total{device=\"%s\",queue=\"%u\"}"
			    " %lu\n", what, d->name, i, (unsigned long)*v);
	}
}

static void metrics(struct mgmt_buf *b)
{
	const struct vm_parts *vm = vm_parts();
	const struct e1000 *nic = network_nic();
	const struct mgmt_stats *ms = mgmt_stats();
	uint64_t up = clock_ns();
	static const struct {
		const char *name, *help;
		size_t off;
	} q[] = {
		{ "requests", "Requests the device took from the queue.",
		  offsetof(struct vq_stats, requests) },
		{ "bytes", "Data bytes moved through the queue.",
		  offsetof(struct vq_stats, bytes) },
		{ "errors", "Requests that ended in an error.",
		  offsetof(struct vq_stats, errors) },
		{ "notifications", "Notifications from the driver.",
		  offsetof(struct vq_stats, notifies) },
		{ "interrupts", "Interrupts to the driver.",
		  offsetof(struct vq_stats, interrupts) },
	};

	metric(b, "plinth_uptime_seconds", "gauge",
	       "Seconds since Plinth's clock started.");
	mgmt_printf(b, "plinth_uptime_seconds %lu.%03lu\n",
		    (unsigned long)(up / 1000000000ull),
		    (unsigned long)(up / 1000000ull % 1000));
	metric(b, "plinth_guest_running", "gauge",
	       "1 while the guest runs.");
	mgmt_printf(b, "plinth_guest_running %d\n",
		    gs_get(NULL) == GS_RUNNING);
	metric(b, "plinth_guest_starts_total", "counter",
	       "Times the guest was started.");
	mgmt_printf(b, "plinth_guest_starts_total %u\n", gs_starts());
	metric(b, "plinth_vm_exits_total", "counter",
	       "VM exits of the current guest run, by reason.");
	for (unsigned i = 0; vm->vcpu && vm->vcpu->ops && i < VCPU_EXIT_SLOTS;
	     i++)
		if (vm->vcpu->stats[i].count)
			mgmt_printf(b, "plinth_vm_exits_total{reason=\"%s\"} "
				    "%lu\n", vm->vcpu->ops->exit_name(i),
				    (unsigned long)vm->vcpu->stats[i].count);
	metric(b, "plinth_guest_port_accesses_total", "counter",
	       "Port I/O accesses of the current guest run, by device.");
	{
		const char *dev;
		uint64_t n;

		for (unsigned i = 0; iobus_counts(i, &dev, &n); i++)
			if (n)
				mgmt_printf(b, "plinth_guest_port_accesses_total"
					    "{device=\"%s\"} %lu\n", dev,
					    (unsigned long)n);
	}
	for (unsigned k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
		char name[64];

		fmt(name, sizeof(name), "plinth_virtio_%s_total", q[k].name);
		metric(b, name, "counter", q[k].help);
		if (vm->blk)
			queue_metrics(b, &vm->blk->dev, q[k].name, q[k].off);
		if (vm->net)
			queue_metrics(b, &vm->net->dev, q[k].name, q[k].off);
	}
	if (vm->disk) {
		metric(b, "plinth_disk_sectors", "gauge",
		       "Size of the guest's disk in 512-byte sectors.");
		mgmt_printf(b, "plinth_disk_sectors{backend=\"%s\"} %lu\n",
			    vm->disk->name, (unsigned long)vm->disk->sectors);
		metric(b, "plinth_disk_copied_bytes_total", "counter",
		       "Data bytes the disk backend copied.");
		mgmt_printf(b, "plinth_disk_copied_bytes_total{backend=\"%s\"} "
			    "%lu\n", vm->disk->name,
			    (unsigned long)vm->disk->copied);
	}
	if (vm->blk) {
		metric(b, "plinth_disk_io_errors_total", "counter",
		       "virtio-blk requests answered with an I/O error.");
		mgmt_printf(b, "plinth_disk_io_errors_total %lu\n",
			    (unsigned long)vm->blk->st.ioerr);
	}
	if (nic) {
		const struct e1000_stats *s = &nic->st;
		const struct counter n[] = {
			{ "rx_frames", "Frames received.", s->rx_frames },
			{ "rx_bytes", "Bytes received.", s->rx_bytes },
			{ "rx_errors", "Frames received with errors.",
			  s->rx_errors + s->rx_bad_desc },
			{ "tx_frames", "Frames sent.", s->tx_frames },
			{ "tx_bytes", "Bytes sent.", s->tx_bytes },
			{ "tx_dropped", "Frames that could not be sent.",
			  s->tx_dropped },
			{ "tx_copied_bytes", "Bytes copied to send.",
			  s->tx_copied },
			{ "resets", "NIC resets after a stalled ring.",
			  s->tx_hangs },
		};
		char labels[32];

		fmt(labels, sizeof(labels), "{nic=\"%s\"}", nic->where);
		counters(b, "plinth_nic", labels, n, sizeof(n) / sizeof(n[0]));
		metric(b, "plinth_nic_link_up", "gauge", "1 while the link is up.");
		mgmt_printf(b, "plinth_nic_link_up{nic=\"%s\"} %d\n", nic->where,
			    nic->port.link_up);
	}
	metric(b, "plinth_mgmt_http_responses_total", "counter",
	       "Management API responses, by status class.");
	for (unsigned c = 1; c < 6; c++)
		mgmt_printf(b, "plinth_mgmt_http_responses_total{class=\"%uxx\"}"
			    " %lu\n", c, (unsigned long)ms->by_class[c]);
	const struct counter api[] = {
		{ "unauthorized", "Requests refused for want of a token.",
		  ms->unauthorized },
		{ "bad_requests", "Malformed requests.", ms->bad_requests },
		{ "timeouts", "Connections reset for idling or trickling.",
		  ms->timeouts },
		{ "refused", "Connections refused for want of memory.",
		  ms->refused },
	};

	counters(b, "plinth_mgmt", "", api, sizeof(api) / sizeof(api[0]));
	metric(b, "plinth_mgmt_connections", "gauge",
	       "Management connections open now.");
	mgmt_printf(b, "plinth_mgmt_connections %u\n", ms->open);
	const struct ahci_stats *as = disk_ahci_stats();

	if (as) {
		const struct counter d[] = {
			{ "commands", "AHCI commands issued.", as->commands },
			{ "errors", "AHCI commands that failed.", as->errors },
			{ "timeouts", "AHCI commands that timed out.",
			  as->timeouts },
			{ "retries", "AHCI commands retried.", as->retries },
			{ "port_resets", "AHCI port resets (COMRESET).",
			  as->resets },
		};

		counters(b, "plinth_ahci", "", d, sizeof(d) / sizeof(d[0]));
	}
	metric(b, "plinth_heap_used_bytes", "gauge",
	       "Bytes of Plinth's heap in use (lwIP and the server included).");
	mgmt_printf(b, "plinth_heap_used_bytes %lu\n",
		    (unsigned long)heap_used());
}

/* --- the rest of the API ------------------------------------------- */

static size_t log_read(uint64_t off, void *out, size_t len, uint64_t *from,
		       uint64_t *next)
{
	const struct logring *r = log_ring();

	*next = r ? r->head : 0;
	*from = 0;
	return r ? logring_read(r, off, out, len, from) : 0;
}

static int guest_action(enum mgmt_action a, const char **why)
{
	enum guest_state s = gs_get(NULL);

	if (s == GS_RUNNING) {
		gs_request(a == MGMT_GUEST_RESET ? GS_REQ_RESET
						 : GS_REQ_POWEROFF);
		log_msg("mgmt: guest %s asked for", a == MGMT_GUEST_RESET
							 ? "reset"
							 : "power-off");
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
	.log = log_read,
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
			"characters", CFG_TOKEN_MIN);
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
	char mac[18];

	mac_text(network_mgmt_mac(), mac);
	log_msg("mgmt: HTTP on port %u, MAC %s, address %s; the guest %s "
		"reach it inside Plinth", c->mgmt_port, mac,
		nc.dhcp ? "by DHCP" : "static",
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
}

void manage_stay_up(const char *why)
{
	if (!running || boot->cfg.on_fault != CFG_ACT_HALT)
		return;
	log_msg("guest: not running (%s); the management plane stays up",
		why);
	for (;;) {
		network_poll();
		net_poll();
		if (machine_action && clock_ns() >= machine_action_at) {
			if (machine_action == GS_REQ_RESET)
				power_reboot("asked through the management "
					     "plane");
			power_off("asked through the management plane");
		}
		cpu_pause();
	}
}
