/* plinth.cfg: the appliance configuration, read from the ESP next to
 * plinth.efi.
 *
 * Format: one `key = value` per line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  Keys are lower case.  A '#' later
 * in a line is part of the value (kernel command lines may contain one).
 * Every problem is reported as "FILE:LINE: message", and the first problem
 * ends the parse: a half-understood configuration never boots.
 *
 * This header is shared with boot/, so it may include only compiler headers.
 */
#ifndef PLINTH_CONFIG_H
#define PLINTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_LINE_MAX 1024    /* bytes per line, without the newline */
#define CFG_PATH_MAX 256     /* bytes in a file path, NUL included */
#define CFG_CMDLINE_MAX 1024 /* bytes in the guest command line, NUL incl. */
#define CFG_FILE_MAX (64 * 1024) /* a larger plinth.cfg is refused */

enum cfg_action {
	CFG_ACT_HALT,
	CFG_ACT_POWEROFF,
	CFG_ACT_REBOOT,
	CFG_ACT_RESTART,
};

enum cfg_kernel_format {
	CFG_KERNEL_AUTO, /* bzImage or ELF vmlinux, by their magic */
	CFG_KERNEL_FLAT, /* raw 64-bit code, entered at its first byte */
};

enum cfg_disk {
	CFG_DISK_NONE,	    /* no virtio-blk device */
	CFG_DISK_RAM_BLANK, /* ram:SIZE, zeroed */
	CFG_DISK_RAM_FILE,  /* ram:PATH, a raw image from the ESP */
	CFG_DISK_AHCI,	    /* ahci:PORT[:PART], a SATA disk or partition */
	CFG_DISK_NVME,	    /* nvme:[BB:DD.F/]NSID[:PART], an NVMe namespace */
};

/* Diagnostics that replace the normal boot; see README "Self-tests". */
#define CFG_SELFTEST_FAULT (1u << 0) /* overflow the stack into its guard */
#define CFG_SELFTEST_DISK (1u << 1)  /* patterns through the disk backend */
#define CFG_SELFTEST_NET (1u << 2)   /* DHCP and echo through the NIC */
#define CFG_SELFTEST_GUEST (1u << 3) /* then the guest, not a power-off */

enum cfg_mgmt {
	CFG_MGMT_OFF,
	CFG_MGMT_DHCP,
	CFG_MGMT_STATIC, /* mgmt_ip/mgmt_prefix, gateway mgmt_gw */
};

#define CFG_TOKEN_MAX 128 /* bytes in mgmt_token, NUL included */
#define CFG_TOKEN_MIN 16  /* characters a usable token has */

enum cfg_nic {
	CFG_NIC_AUTO, /* the first supported NIC, if any */
	CFG_NIC_NONE, /* none: virtio-net's link stays down */
	CFG_NIC_PCI,  /* the NIC at nic_bus:nic_dev.nic_fn */
};

enum cfg_console {
	CFG_CONSOLE_BOTH,   /* the serial port and the screen, where present */
	CFG_CONSOLE_SERIAL, /* the serial port only */
	CFG_CONSOLE_SCREEN, /* the screen only */
};

struct plinth_config {
	char kernel[CFG_PATH_MAX]; /* required */
	char initrd[CFG_PATH_MAX]; /* "" = none */
	char cmdline[CFG_CMDLINE_MAX];
	enum cfg_kernel_format kernel_format;
	uint64_t memory;	       /* guest RAM, bytes */
	uint64_t hv_memory;	       /* hypervisor pool, bytes */
	enum cfg_action on_guest_exit; /* poweroff | reboot | restart */
	enum cfg_action on_fault;      /* halt | poweroff | reboot */
	uint16_t serial_port;	       /* 0 = no serial console */
	uint16_t debug_exit_port;      /* 0 = off */
	uint32_t guest_slice_us;       /* longest guest run between host
					 * timer exits */
	uint32_t selftest;	       /* CFG_SELFTEST_* bits */
	enum cfg_disk disk;	       /* the guest's virtio-blk backend */
	char disk_path[CFG_PATH_MAX];  /* CFG_DISK_RAM_FILE */
	uint64_t disk_size;	       /* CFG_DISK_RAM_BLANK, bytes */
	unsigned disk_port;	       /* CFG_DISK_AHCI */
	uint32_t disk_nsid;	       /* CFG_DISK_NVME */
	bool disk_pci_set;	       /* CFG_DISK_NVME at disk_bus:dev.fn */
	uint8_t disk_bus, disk_dev, disk_fn;
	unsigned disk_part;    /* GPT partition number, 0 = none */
	char disk_label[37];   /* GPT partition name, "" = none */
	uint8_t disk_guid[16]; /* unique partition GUID, if set */
	bool disk_guid_set;
	bool disk_readonly;
	uint8_t net_mac[6];		  /* the guest's virtio-net MAC */
	bool virtio_split;		  /* offer only the split ring */
	enum cfg_nic nic;		  /* the NIC behind virtio-net */
	uint8_t nic_bus, nic_dev, nic_fn; /* CFG_NIC_PCI */
	enum cfg_mgmt mgmt;		  /* Plinth's own IP address */
	uint8_t mgmt_ip[4], mgmt_gw[4];	  /* CFG_MGMT_STATIC */
	unsigned mgmt_prefix;
	uint8_t mgmt_mac[6]; /* if mgmt_mac_set, else the NIC's */
	bool mgmt_mac_set;
	uint16_t mgmt_port;		/* the HTTP server's TCP port */
	char mgmt_token[CFG_TOKEN_MAX]; /* "" = none (mgmt stays off) */
	bool mgmt_guest_access;		/* the guest may reach mgmt inside */
	bool guest_console_raw;		/* guest_console = raw */
	uint8_t io_core; /* CFG_IO_CORE_AUTO, 0 (off) or a CPU's index */
	uint8_t cpus;	 /* the guest's vCPUs (1 unless set), or
			  * CFG_CPUS_AUTO */
	enum cfg_console console; /* where Plinth's lines go */
};

/* cpus = auto: a vCPU on every CPU Plinth started but the I/O core's. */
#define CFG_CPUS_AUTO 0
#define CFG_CPUS_MAX 64

/* io_core = auto: the second CPU when Plinth started one. */
#define CFG_IO_CORE_AUTO 0xff
#define CFG_IO_CORE_MAX 63 /* the highest CPU index io_core may name */

/* The guest's MAC when plinth.cfg names none: locally administered
 * (bit 1 of the first byte), unicast, the same on every boot. */
#define CFG_DEFAULT_NET_MAC                                                    \
	{                                                                      \
		0x02, 0x50, 0x4c, 0x4e, 0x54, 0x01                             \
	}

#define CFG_DEFAULT_MGMT_PORT 8080

#define CFG_DEFAULT_GUEST_SLICE_US 10000u
#define CFG_MIN_GUEST_SLICE_US 10u
#define CFG_MAX_GUEST_SLICE_US 100000u

#define CFG_DEFAULT_MEMORY (256ull << 20)
#define CFG_DEFAULT_HV_MEMORY (64ull << 20)
#define CFG_MIN_MEMORY (32ull << 20)
#define CFG_MAX_MEMORY (1ull << 40)
#define CFG_MIN_HV_MEMORY (16ull << 20)
#define CFG_MAX_HV_MEMORY (4ull << 30)
#define CFG_MIN_DISK (1ull << 20)
#define CFG_MAX_DISK (64ull << 30)

void config_defaults(struct plinth_config *cfg);

/* Parses `len` bytes of `text`.  `name` is the file name used in messages.
 * Returns 0, or -1 with "NAME:LINE: problem" (or "NAME: problem") in err. */
int config_parse(const char *text, size_t len, const char *name,
		 struct plinth_config *cfg, char *err, size_t errlen);

const char *config_action_name(enum cfg_action a);

/* Parses "512M", "1G", "4096", "64KiB" into bytes; -1 on a bad or
 * overflowing value. */
int config_parse_size(const char *s, uint64_t *out);

#endif
