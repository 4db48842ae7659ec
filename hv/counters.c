/* Every counter Plinth keeps, described once: one table per stats struct
 * (hv/base/counters.h), next to the others so that the names, the log's
 * words and the metrics' help read as one catalogue.  The owners declare
 * their set in their own header and log it with counters_log(); the
 * management plane finds them through the registry (hv/base/stats.h). */
#include "drivers/ahci.h"
#include "drivers/nvme.h"
#include "drivers/e1000.h"
#include "hv/base/counters.h"
#include "hv/platform/apic_bus.h"
#include "hv/run/iocore.h"
#include "net/mgmt.h"
#include "net/switch.h"
#include "virtio/blk_backend.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtq.h"

/* A virtqueue (virtio/virtq.h). */
static const struct counter vq_counter_table[] = {
	COUNTER(struct vq_stats, requests, "requests",
		"Requests the device took from the queue."),
	COUNTER(struct vq_stats, bytes, "bytes",
		"Data bytes moved through the queue."),
	COUNTER(struct vq_stats, errors, "errors",
		"Requests that ended in an error."),
	COUNTER(struct vq_stats, stalls, "stalls",
		"Times the queue stopped on a chain it could not trust."),
	COUNTER_AS(struct vq_stats, notifies, "notifications", "notifications",
		   "Notifications from the driver."),
	COUNTER(struct vq_stats, interrupts, "interrupts",
		"Interrupts to the driver."),
	COUNTER_AS(struct vq_stats, notifies_polled,
		   "notifications_while_polled", "notifications while polled",
		   "Notifications while the I/O core polled the queue and had "
		   "asked for none."),
};

const struct counter_set vq_counters = COUNTER_SET("plinth_virtio",
						   vq_counter_table);

/* virtio-net (virtio/virtio_net.h). */
static const struct counter vnet_counter_table[] = {
	COUNTER(struct vnet_stats, rx_frames, "frames received",
		"Frames received for the guest."),
	COUNTER(struct vnet_stats, rx_bytes, "bytes received",
		"Bytes received for the guest."),
	COUNTER(struct vnet_stats, rx_copied,
		"bytes copied into the guest's buffers",
		"Received bytes copied into the guest's buffers."),
	COUNTER(struct vnet_stats, rx_errors, "receive errors",
		"Received frames that did not fit the guest's buffers."),
	COUNTER(struct vnet_stats, rx_no_buffer, "dropped with no buffer",
		"Frames dropped: the guest had posted no buffer."),
	COUNTER(struct vnet_stats, rx_not_ready,
		"dropped before the driver was ready",
		"Frames dropped before the driver was ready."),
	COUNTER(struct vnet_stats, tx_frames, "frames sent",
		"Frames the guest sent."),
	COUNTER(struct vnet_stats, tx_bytes, "bytes sent",
		"Bytes the guest sent."),
	COUNTER(struct vnet_stats, tx_zero_copy,
		"frames sent from the guest's buffers without a copy",
		"Frames sent from the guest's buffers without a copy."),
	COUNTER(struct vnet_stats, tx_errors, "send errors",
		"Frames the guest sent that were refused."),
	COUNTER(struct vnet_stats, tx_busy, "times the port was full",
		"Times the NIC's port was full (back-pressure)."),
};

const struct counter_set vnet_counters = COUNTER_SET("plinth_virtio_net",
						     vnet_counter_table);

/* virtio-blk (virtio/virtio_blk.h). */
static const struct counter vblk_counter_table[] = {
	COUNTER(struct vblk_stats, reads, "reads", "Read requests."),
	COUNTER(struct vblk_stats, writes, "writes", "Write requests."),
	COUNTER(struct vblk_stats, flushes, "flushes", "Flush requests."),
	COUNTER(struct vblk_stats, discards, "discards", "Discard requests."),
	COUNTER(struct vblk_stats, write_zeroes, "write-zeroes",
		"Write-zeroes requests."),
	COUNTER(struct vblk_stats, get_ids, "get-ids", "Get-ID requests."),
	COUNTER(struct vblk_stats, read_bytes, "bytes read", "Bytes read."),
	COUNTER(struct vblk_stats, write_bytes, "bytes written",
		"Bytes written."),
	COUNTER_AS(struct vblk_stats, ioerr, "io_errors", "I/O errors",
		   "Requests answered with an I/O error."),
	COUNTER_AS(struct vblk_stats, unsupp, "unsupported", "unsupported",
		   "Requests of a type the device does not offer."),
	COUNTER(struct vblk_stats, bad_chains, "bad chains",
		"Requests whose buffers broke the rules."),
	COUNTER(struct vblk_stats, no_status, "without a status byte",
		"Requests with no writable status byte to answer in."),
	COUNTER(struct vblk_stats, over_limits, "over seg_max or size_max",
		"Requests beyond the advertised seg_max or size_max."),
	COUNTER(struct vblk_stats, deferred, "passes deferred",
		"Passes over the ring stopped at the per-exit bound."),
};

const struct counter_set vblk_counters = COUNTER_SET("plinth_virtio_blk",
						     vblk_counter_table);

/* The e1000-family NIC (drivers/e1000.h). */
static const struct counter e1000_counter_table[] = {
	COUNTER(struct e1000_stats, rx_frames, "frames received",
		"Frames received."),
	COUNTER(struct e1000_stats, rx_bytes, "bytes received",
		"Bytes received."),
	COUNTER(struct e1000_stats, rx_errors, "received with errors",
		"Frames the NIC received with errors."),
	COUNTER_AS(struct e1000_stats, rx_bad_desc, "rx_bad_descriptors",
		   "descriptors not believed",
		   "Receive descriptors the driver could not believe."),
	COUNTER(struct e1000_stats, tx_frames, "frames sent", "Frames sent."),
	COUNTER(struct e1000_stats, tx_bytes, "bytes sent", "Bytes sent."),
	COUNTER_AS(struct e1000_stats, tx_copied, "tx_copied_bytes",
		   "bytes copied to send", "Bytes copied to send."),
	COUNTER(struct e1000_stats, tx_held,
		"frames sent from the sender's buffers",
		"Frames sent from the sender's buffers, uncopied."),
	COUNTER(struct e1000_stats, tx_dropped, "dropped",
		"Frames that could not be sent."),
	COUNTER(struct e1000_stats, tx_busy, "times full",
		"Times the transmit ring was full."),
	COUNTER_AS(struct e1000_stats, tx_hangs, "resets", "ring resets",
		   "NIC resets after a stalled ring."),
	COUNTER(struct e1000_stats, link_changes, "link changes",
		"Times the link went up or down."),
};

const struct counter_set e1000_counters = COUNTER_SET("plinth_nic",
						      e1000_counter_table);

/* An AHCI port (drivers/ahci.h). */
static const struct counter ahci_counter_table[] = {
	COUNTER(struct ahci_stats, commands, "commands",
		"AHCI commands issued."),
	COUNTER_AS(struct ahci_stats, ncq_commands, "queued_commands", "queued",
		   "AHCI commands issued as NCQ."),
	COUNTER(struct ahci_stats, trims, "TRIM", "TRIM commands issued."),
	COUNTER(struct ahci_stats, errors, "errors",
		"AHCI commands that failed."),
	COUNTER(struct ahci_stats, timeouts, "timeouts",
		"AHCI commands that timed out."),
	COUNTER(struct ahci_stats, retries, "retries",
		"AHCI commands retried."),
	COUNTER_AS(struct ahci_stats, resets, "port_resets", "port resets",
		   "AHCI port resets (COMRESET)."),
	COUNTER(struct ahci_stats, failed_requests, "requests failed",
		"Requests that failed after the retries."),
};

const struct counter_set ahci_counters = COUNTER_SET("plinth_ahci",
						     ahci_counter_table);

/* An NVMe namespace (drivers/nvme.h). */
static const struct counter nvme_counter_table[] = {
	COUNTER(struct nvme_stats, commands, "commands",
		"NVMe I/O commands issued."),
	COUNTER(struct nvme_stats, splits, "split commands",
		"Commands beyond a request's first: MDTS or the PRP rules "
		"cut it."),
	COUNTER(struct nvme_stats, bounced, "bounced blocks",
		"Logical blocks copied through a bounce page (buffers the "
		"PRP rules cannot describe)."),
	COUNTER(struct nvme_stats, errors, "errors",
		"NVMe commands completed with an error status."),
	COUNTER(struct nvme_stats, timeouts, "timeouts",
		"NVMe commands that timed out."),
	COUNTER(struct nvme_stats, retries, "retries",
		"NVMe commands issued again."),
	COUNTER_AS(struct nvme_stats, resets, "controller_resets",
		   "controller resets", "NVMe controller resets."),
	COUNTER_AS(struct nvme_stats, bogus, "bogus_completions",
		   "bogus completions",
		   "Completions that broke the rules (unknown CID, SQ head "
		   "out of range)."),
	COUNTER(struct nvme_stats, failed_requests, "requests failed",
		"Requests that failed after the retries."),
};

const struct counter_set nvme_counters = COUNTER_SET("plinth_nvme",
						     nvme_counter_table);

/* The guest's interrupt fabric (hv/platform/apic_bus.h): one count per
 * LAPIC a message reached. */
static const struct counter apic_counter_table[] = {
	COUNTER_AS(
		struct apic_bus, count[APIC_FIXED], "fixed", "fixed",
		"Fixed interrupts (IPIs, MSIs, I/O APIC) raised in a LAPIC."),
	COUNTER_AS(struct apic_bus, count[APIC_LOWEST], "lowest_priority",
		   "lowest-priority",
		   "Lowest-priority interrupts, each raised in one LAPIC."),
	COUNTER_AS(struct apic_bus, count[APIC_NMI], "nmi", "NMI",
		   "NMI messages received by a LAPIC."),
	COUNTER_AS(struct apic_bus, count[APIC_INIT], "init", "INIT",
		   "INIT messages received by a LAPIC."),
	COUNTER_AS(struct apic_bus, count[APIC_STARTUP], "startup", "STARTUP",
		   "STARTUP messages received by a LAPIC."),
	COUNTER_AS(struct apic_bus, count[APIC_POSTED], "posted",
		   "posted to another core",
		   "Messages posted to a LAPIC that another core owns."),
	COUNTER_AS(struct apic_bus, count[APIC_KICKS], "kicks", "kicks",
		   "Host IPIs sent to make a vCPU's core take its posts."),
	COUNTER_AS(struct apic_bus, count[APIC_DROPPED], "dropped", "dropped",
		   "Messages that named no LAPIC or used a mode not modelled."),
};

const struct counter_set apic_counters = COUNTER_SET("plinth_interrupts",
						     apic_counter_table);

/* One side of the frame switch (net/switch.h). */
static const struct counter sw_counter_table[] = {
	COUNTER(struct sw_stats, in, "frames in",
		"Frames from the wire delivered to this side."),
	COUNTER(struct sw_stats, out, "out", "Frames this side sent."),
	COUNTER(struct sw_stats, spoofed, "dropped for a forged source MAC",
		"Frames dropped for a source MAC not this side's."),
	COUNTER(struct sw_stats, internal, "addressed to the other side",
		"Frames addressed to the other side."),
	COUNTER(struct sw_stats, busy, "times the NIC was full",
		"Frames refused while the NIC was full."),
};

const struct counter_set sw_counters = COUNTER_SET("plinth_switch",
						   sw_counter_table);

/* The management server (net/mgmt.h). */
static const struct counter mgmt_counter_table[] = {
	COUNTER(struct mgmt_stats, requests, "requests",
		"Management API requests answered."),
	COUNTER(struct mgmt_stats, unauthorized, "unauthorized",
		"Requests refused for want of a token."),
	COUNTER(struct mgmt_stats, bad_requests, "bad requests",
		"Malformed requests."),
	COUNTER(struct mgmt_stats, timeouts, "timeouts",
		"Connections reset for idling or trickling."),
	COUNTER(struct mgmt_stats, refused, "refused",
		"Connections refused for want of memory."),
};

const struct counter_set mgmt_counters = COUNTER_SET("plinth_mgmt",
						     mgmt_counter_table);

/* Every disk backend (virtio/blk_backend.h). */
static const struct counter blk_backend_counter_table[] = {
	COUNTER_AS(struct blk_backend, copied, "copied_bytes", "bytes copied",
		   "Data bytes the disk backend copied."),
};

const struct counter_set blk_backend_counters = COUNTER_SET(
	"plinth_disk", blk_backend_counter_table);

/* The I/O core (hv/run/iocore.h) and its channel to the vCPU. */
static const struct counter iocore_counter_table[] = {
	COUNTER(struct iocore_stats, polls, "polls",
		"Times the I/O core looked at every device."),
	COUNTER(struct iocore_stats, naps, "naps",
		"Times the I/O core slept for want of work."),
	COUNTER(struct iocore_stats, asleep_us, "us asleep",
		"Microseconds the I/O core slept."),
	COUNTER_AS(struct iocore_stats, device_wakes, "naps_ended_by_devices",
		   "naps a device ended",
		   "Naps a device's interrupt (the NIC's MSI) ended."),
};

const struct counter_set iocore_counters = COUNTER_SET("plinth_iocore",
						       iocore_counter_table);

static const struct counter chan_counter_table[] = {
	COUNTER_AS(
		struct chan_stats, calls, "calls", "calls from the vCPU",
		"Accesses the vCPU handed to the I/O core (device registers, "
		"PCI configuration)."),
	COUNTER(struct chan_stats, holds, "holds",
		"Times the vCPU's core took the devices over (guest reset, "
		"power-off)."),
	COUNTER_AS(struct chan_stats, irqs, "interrupts_posted",
		   "interrupts posted",
		   "Device interrupts posted to the vCPU."),
	COUNTER(struct chan_stats, kicks, "kicks",
		"IPIs that made the vCPU take its posted interrupts."),
	COUNTER_AS(struct chan_stats, ring_full_waits, "ring_full_waits",
		   "waits on a full ring",
		   "Times the I/O core waited for room to post an interrupt."),
	COUNTER_AS(struct chan_stats, wakes, "naps_ended_by_calls",
		   "naps ended by the vCPU's calls",
		   "Naps a call from the vCPU (a notification, mostly) ended."),
};

const struct counter_set chan_counters = COUNTER_SET("plinth_iocore",
						     chan_counter_table);
