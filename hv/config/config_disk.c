/* plinth.cfg's `disk` when it names a real disk: an AHCI port or an NVMe
 * namespace, and a GPT partition of it. */
#include "hv/config/config_impl.h"

#include <string.h>

#include "hv/base/guid.h"

/* What may follow a disk's name: nothing, or :pN, :label=NAME or
 * :guid=GUID, a GPT partition. */
static int set_partition(struct parser *p, struct plinth_config *c,
			 const char *k, const char *v, const char *d)
{
	unsigned part = 0;

	c->disk_part = 0;
	c->disk_label[0] = 0;
	c->disk_guid_set = false;
	if (!*d)
		return 0;
	d++;
	if (d[0] == 'p' && d[1] >= '1' && d[1] <= '9') {
		for (d++; *d >= '0' && *d <= '9' && part < 1000; d++)
			part = part * 10 + (unsigned)(*d - '0');
		if (*d || part > 128)
			return fail(p,
				    "'%s': bad partition number in '%s' (p1 "
				    "to p128)",
				    k, v);
		c->disk_part = part;
		return 0;
	}
	if (!strncmp(d, "label=", 6)) {
		size_t n = strlen(d + 6);

		if (!n || n >= sizeof(c->disk_label))
			return fail(p,
				    "'%s': a partition label is 1 to 36 "
				    "characters",
				    k, NULL);
		memcpy(c->disk_label, d + 6, n + 1);
		return 0;
	}
	if (!strncmp(d, "guid=", 5)) {
		if (guid_parse(d + 5, c->disk_guid))
			return fail(p,
				    "'%s': bad partition GUID '%s' "
				    "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
				    k, d + 5);
		c->disk_guid_set = true;
		return 0;
	}
	return fail(p,
		    "'%s': bad partition in '%s' (pN, label=NAME or "
		    "guid=GUID)",
		    k, v);
}

/* ahci:PORT, then a partition */
static int set_ahci(struct parser *p, struct plinth_config *c, const char *k,
		    const char *v)
{
	const char *d = v + 5;
	unsigned port = 0;

	for (; *d >= '0' && *d <= '9' && port < 100; d++)
		port = port * 10 + (unsigned)(*d - '0');
	if (d == v + 5 || (*d && *d != ':') || port > 31)
		return fail(p, "'%s': bad AHCI port in '%s' (0 to 31)", k, v);
	c->disk = CFG_DISK_AHCI;
	c->disk_port = port;
	return set_partition(p, c, k, v, d);
}

/* nvme:NSID or nvme:BB:DD.F/NSID (the controller at that PCI address),
 * then a partition */
static int set_nvme(struct parser *p, struct plinth_config *c, const char *k,
		    const char *v)
{
	const char *d = v + 5, *n;
	uint64_t nsid = 0;

	c->disk_pci_set = false;
	if (strlen(d) > 8 && d[7] == '/') {
		if (cfg_pci_addr(d, &c->disk_bus, &c->disk_dev, &c->disk_fn))
			return fail(p,
				    "'%s': bad PCI address in '%s' (BB:DD.F "
				    "such as 00:04.0)",
				    k, v);
		c->disk_pci_set = true;
		d += 8;
	}
	for (n = d; *d >= '0' && *d <= '9' && nsid <= 0xffffffffu; d++)
		nsid = nsid * 10 + (uint64_t)(*d - '0');
	if (d == n || (*d && *d != ':') || !nsid || nsid >= 0xffffffffu)
		return fail(p,
			    "'%s': bad NVMe namespace in '%s' (nvme:NSID or "
			    "nvme:BB:DD.F/NSID, NSID from 1)",
			    k, v);
	c->disk = CFG_DISK_NVME;
	c->disk_nsid = (uint32_t)nsid;
	return set_partition(p, c, k, v, d);
}

int cfg_set_disk_device(struct parser *p, struct plinth_config *c,
			const char *k, const char *v)
{
	return !strncmp(v, "nvme:", 5) ? set_nvme(p, c, k, v)
				       : set_ahci(p, c, k, v);
}
