#include "hv/run/summary.h"

#include "arch/x86/paging.h"
#include "arch/x86/tsc.h"
#include "drivers/pci.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"

#define MIB(x) ((unsigned long)((x) >> 20))

/* RAM is every range the firmware describes as memory; reserved ranges
 * count only when they are cacheable (stolen RAM such as SMRAM), not when
 * they are chipset registers. */
static void print_memory(const struct boot_info *bi)
{
	uint64_t by_kind[MEM_KIND_COUNT] = { 0 }, ram = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct mem_range *r = &bi->mem[i];

		if (r->kind >= MEM_KIND_COUNT)
			continue;
		by_kind[r->kind] += r->size;
		if (r->kind != MEM_MMIO
		    && (r->kind != MEM_RESERVED || (r->attr & MEM_ATTR_WB)))
			ram += r->size;
	}
	log_msg("memory: %lu MiB RAM in a map of %u ranges", MIB(ram),
		bi->mem_count);
	log_msg("memory: %lu MiB free, %lu MiB Plinth and guest files, "
		"%lu MiB UEFI runtime, %lu MiB ACPI, %lu MiB reserved",
		MIB(by_kind[MEM_FREE]), MIB(by_kind[MEM_LOADER]),
		MIB(by_kind[MEM_RT_CODE] + by_kind[MEM_RT_DATA]),
		MIB(by_kind[MEM_ACPI_RECLAIM] + by_kind[MEM_ACPI_NVS]),
		MIB(by_kind[MEM_RESERVED]));
	const struct palloc *p = pool_allocator();

	log_msg("memory: pool %lu MiB at 0x%lx, %lu KiB free after start-up",
		MIB(bi->pool_size), (unsigned long)bi->pool_base,
		(unsigned long)(p->nfree * PAGE_SIZE >> 10));
}

static void print_cpu(const struct cpu_info *c)
{
	log_msg("cpu: %s family 0x%x model 0x%x stepping %u: %s", c->vendor,
		c->family, c->model, c->stepping,
		c->brand[0] ? c->brand : "(no brand string)");
	if (c->hv_signature[0])
		log_msg("cpu: running under a hypervisor (\"%s\")",
			c->hv_signature);
	if (c->cx16_damage)
		log_msg("cpu: CMPXCHG16B changes RFLAGS bits it must not touch "
			"(0x%lx here), an erratum of QEMU's TCG before 8.0: "
			"the guest is not offered CMPXCHG16B, whose damaged "
			"flags a VM exit would make its own",
			(unsigned long)c->cx16_damage);
	if (!c->vmx) {
		log_msg("vmx: not available (this CPU has no Intel VT-x)");
	} else {
		log_msg("vmx: available: EPT %s, unrestricted guest %s, "
			"VPID %s, VMCS revision 0x%x",
			c->ept ? "yes" : "no",
			c->unrestricted_guest ? "yes" : "no",
			c->vpid ? "yes" : "no", c->vmcs_revision);
		if (c->ept)
			log_msg("vmx: EPT: 4-level walk %s, write-back %s, "
				"2M pages %s, 1G pages %s",
				c->ept_4level ? "yes" : "no",
				c->ept_wb ? "yes" : "no",
				c->ept_2m ? "yes" : "no",
				c->ept_1g ? "yes" : "no");
		/* What exitless interrupts would build on (SDM vol. 3C,
		 * 30.1-30.6); every LAPIC access and kick is an exit today. */
		log_msg("vmx: APIC virtualization (not used): register "
			"virtualization %s, virtual-interrupt delivery %s, "
			"posted interrupts %s",
			c->apic_regs ? "yes" : "no",
			c->vintr_delivery ? "yes" : "no",
			c->posted_intr ? "yes" : "no");
		if (!c->fc_locked)
			log_msg("vmx: IA32_FEATURE_CONTROL unlocked; Plinth "
				"will lock it with VMXON enabled");
		else if (!c->fc_vmxon)
			log_msg("vmx: disabled by the firmware "
				"(IA32_FEATURE_CONTROL locked): enable Intel "
				"VT-x in the firmware setup");
		else
			log_msg("vmx: enabled by the firmware");
	}
	if (c->svm)
		log_msg("svm: available: nested paging %s, NRIP save %s, AVIC "
			"%s (not used)%s",
			c->npt ? "yes" : "no", c->nrip_save ? "yes" : "no",
			c->avic ? "yes" : "no",
			c->svm_disabled ? "; disabled by the firmware "
					  "(VM_CR.SVMDIS)"
					: "");
	else
		log_msg("svm: not available");
}

/* The processors the firmware lists (MADT), up to 16 APIC IDs named. */
static void print_madt(const struct acpi_fw *a)
{
	char ids[16 * 11 + 8];
	size_t n = 0;

	if (!a->ncpus) {
		log_msg("acpi: no MADT processors: this one only");
		return;
	}
	for (unsigned i = 0; i < a->ncpus && i < 16; i++)
		n += fmt(ids + n, sizeof(ids) - n, " %u",
			 (unsigned)a->cpu_apic_id[i]);
	if (a->ncpus > 16)
		fmt(ids + n, sizeof(ids) - n, " ...");
	log_msg("acpi: MADT: %u processor%s, APIC ID%s%s; LAPIC at 0x%lx",
		a->ncpus + a->cpus_over,
		a->ncpus + a->cpus_over == 1 ? "" : "s",
		a->ncpus == 1 ? "" : "s", ids, (unsigned long)a->lapic_base);
	if (a->madt_bad)
		log_msg("acpi: MADT: %u entries malformed; the walk stopped or "
			"skipped them",
			a->madt_bad);
}

static void print_acpi(const struct acpi_fw *a)
{
	char list[ACPI_MAX_TABLES * 6 + 1];
	size_t n = 0;

	if (a->error) {
		log_msg("acpi: no tables: %s", a->error);
		return;
	}
	for (unsigned i = 0; i < a->ntables; i++) {
		list[n++] = ' ';
		for (int k = 0; k < 4; k++)
			list[n++] = a->t[i].sig[k];
		if (!a->t[i].checksum_ok)
			list[n++] = '!';
	}
	list[n] = '\0';
	log_msg("acpi: RSDP 0x%lx revision %u, OEM \"%s\", %u tables:%s",
		(unsigned long)a->rsdp, a->revision, a->oem, a->ntables, list);
	for (unsigned i = 0; i < a->ntables; i++)
		if (!a->t[i].checksum_ok)
			log_msg("acpi: %s at 0x%lx has a bad checksum; ignored",
				a->t[i].sig, (unsigned long)a->t[i].addr);
	if (a->dropped)
		log_msg("acpi: %u table pointers led nowhere; ignored",
			a->dropped);
	print_madt(a);
}

static void print_pci(const struct acpi_fw *a)
{
	unsigned n;
	const struct pci_dev *d = pci_devices(&n);

	if (pci_uses_ecam())
		log_msg("pci: ECAM at 0x%lx, buses %u-%u (from MCFG)",
			(unsigned long)a->ecam, a->ecam_bus_lo, a->ecam_bus_hi);
	else
		log_msg("pci: configuration through ports CF8/CFC (no MCFG)");
	for (unsigned i = 0; i < n; i++)
		log_msg("pci: %02x:%02x.%x %04x:%04x %s", d[i].bus, d[i].dev,
			d[i].fn, d[i].vendor, d[i].device,
			pci_class_name(d[i].class_code, d[i].subclass,
				       d[i].prog_if));
	log_msg("pci: %u functions", n);
}

void summary_print(const struct boot_info *bi, const struct cpu_info *cpu,
		   const struct acpi_fw *acpi)
{
	log_msg("firmware: %s revision 0x%x, UEFI %u.%u", bi->fw_vendor,
		bi->fw_revision, bi->uefi_revision >> 16,
		bi->uefi_revision & 0xffff);
	print_memory(bi);
	print_cpu(cpu);
	log_msg("tsc: %lu.%03lu MHz, %s", (unsigned long)(tsc_hz() / 1000000),
		(unsigned long)(tsc_hz() / 1000 % 1000), tsc_source());
	log_msg("paging: identity map below %lu GiB, NX %s, %u physical "
		"address bits",
		(unsigned long)(paging_limit() >> 30),
		paging_has_nx() ? "on" : "unavailable", paging_phys_bits());
	print_acpi(acpi);
	print_pci(acpi);
}
