#include "hv/backend/disk.h"

#include "drivers/ahci.h"
#include "drivers/ramdisk.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"

static struct ramdisk rdisk;
static struct ahci_disk ahci;
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
		break;
	}
	default:
		fmt(err, n, "plinth.cfg names no disk");
		return NULL;
	}
	return opened;
}

const struct ahci_stats *disk_ahci_stats(void)
{
	return opened == &ahci.be ? &ahci.st : NULL;
}

void disk_print_stats(void)
{
	const struct ahci_stats *s = disk_ahci_stats();

	if (!s)
		return;
	log_msg("ahci: port %u: %lu commands (%lu queued, %lu TRIM), %lu "
		"errors, %lu timeouts, %lu retries, %lu port resets, %lu "
		"requests failed", ahci.port, (unsigned long)s->commands,
		(unsigned long)s->ncq_commands, (unsigned long)s->trims,
		(unsigned long)s->errors, (unsigned long)s->timeouts,
		(unsigned long)s->retries, (unsigned long)s->resets,
		(unsigned long)s->failed_requests);
}
