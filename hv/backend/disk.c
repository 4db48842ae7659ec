#include "hv/backend/disk.h"

#include "drivers/ahci.h"
#include "drivers/nvme.h"
#include "drivers/ramdisk.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/stats.h"

static struct ramdisk rdisk;
static struct ahci_disk ahci;
static struct nvme_disk nvme;
static struct blk_backend *opened;

struct blk_backend *disk_open(const struct boot_info *bi, char *err, size_t n)
{
	const struct plinth_config *c = &bi->cfg;

	if (opened)
		return opened;
	switch (c->disk) {
	case CFG_DISK_RAM_BLANK:
	case CFG_DISK_RAM_FILE:
		if (!bi->disk.addr) {
			fmt(err, n, "the RAM disk was not loaded");
			return NULL;
		}
		ramdisk_init(&rdisk, (void *)bi->disk.addr, bi->disk.size,
			     c->disk_readonly, "ram");
		log_msg("disk: %s%s, %lu MiB%s",
			c->disk == CFG_DISK_RAM_FILE ? "RAM disk from "
						     : "blank RAM disk",
			c->disk == CFG_DISK_RAM_FILE ? bi->disk.path : "",
			(unsigned long)(bi->disk.size >> 20),
			c->disk_readonly ? ", read-only" : "");
		opened = &rdisk.be;
		break;
	case CFG_DISK_AHCI: {
		struct ahci_target t = {
			.port = c->disk_port,
			.part = c->disk_part,
			.label = c->disk_label[0] ? c->disk_label : NULL,
			.guid = c->disk_guid_set ? c->disk_guid : NULL,
			.readonly = c->disk_readonly,
		};

		if (ahci_open(&ahci, &t, err, (unsigned)n))
			return NULL;
		opened = &ahci.be;
		stats_add(&ahci_counters, &ahci.st, "ahci", "port=\"%u\"",
			  ahci.port);
		break;
	}
	case CFG_DISK_NVME: {
		struct nvme_target t = {
			.at_pci = c->disk_pci_set,
			.bus = c->disk_bus,
			.dev = c->disk_dev,
			.fn = c->disk_fn,
			.nsid = c->disk_nsid,
			.part = c->disk_part,
			.label = c->disk_label[0] ? c->disk_label : NULL,
			.guid = c->disk_guid_set ? c->disk_guid : NULL,
			.readonly = c->disk_readonly,
		};

		if (nvme_open(&nvme, &t, err, (unsigned)n))
			return NULL;
		opened = &nvme.be;
		stats_add(&nvme_counters, &nvme.st, "nvme",
			  "controller=\"%02x:%02x.%x\",nsid=\"%u\"", nvme.bus,
			  nvme.dev, nvme.fn, nvme.nsid);
		break;
	}
	default:
		fmt(err, n, "plinth.cfg names no disk");
		return NULL;
	}
	stats_add(&blk_backend_counters, opened, opened->name, "backend=\"%s\"",
		  opened->name);
	return opened;
}

void disk_shutdown(void)
{
	if (opened == &nvme.be)
		nvme_shutdown(&nvme);
	else if (opened == &ahci.be)
		ahci_shutdown(&ahci);
}

void disk_print_stats(void)
{
	char head[48];

	if (opened == &ahci.be) {
		fmt(head, sizeof(head), "ahci: port %u", ahci.port);
		counters_log(head, &ahci_counters, &ahci.st);
	} else if (opened == &nvme.be) {
		fmt(head, sizeof(head), "nvme: %02x:%02x.%x namespace %u",
		    nvme.bus, nvme.dev, nvme.fn, nvme.nsid);
		counters_log(head, &nvme_counters, &nvme.st);
	}
}
