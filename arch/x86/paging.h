/* The hypervisor's own page tables: an identity map of physical memory.
 *
 * RAM is write-back and non-executable, except Plinth's .text (read-only,
 * executable) and UEFI runtime code (which the firmware still calls for
 * power-off).  Everything the memory map does not call RAM is uncached,
 * since PCI BARs and chipset registers live there, except a framebuffer
 * mapped write-combining for the screen (paging_map_wc).  Page 0 and the
 * guard pages under each stack are not mapped at all. */
#ifndef PLINTH_X86_PAGING_H
#define PLINTH_X86_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/config/boot_info.h"

#define MAP_W (1u << 0)	     /* writable */
#define MAP_X (1u << 1)	     /* executable */
#define MAP_UC (1u << 2)     /* uncached (MMIO) */
#define MAP_WC (1u << 3)     /* write-combining (a framebuffer) */
#define MAP_NONE 0x80000000u /* not present */

/* Allocates one zeroed page for a page table, or returns 0. */
typedef uint64_t (*pt_alloc_fn)(void);

/* Builds the identity map from the firmware memory map.  Guard pages
 * named with paging_guard() before this call stay unmapped.  Returns 0,
 * or -1 when page-table memory ran out (the old tables stay loaded). */
int paging_init(const struct boot_info *bi, pt_alloc_fn alloc);

/* Marks a page to be left unmapped (a stack guard): from paging_init on,
 * or at once when paging is already set up. */
void paging_guard(uint64_t page);

/* Maps [pa, pa+size) uncached and non-executable, for device registers
 * anywhere below the CPU's physical address limit.  -1 on a range the
 * CPU cannot address or when page-table memory ran out. */
int paging_map_mmio(uint64_t pa, uint64_t size);
/* The same, write-combining: for a framebuffer, which is only written. */
int paging_map_wc(uint64_t pa, uint64_t size);

/* Everything below this was identity-mapped by paging_init. */
/* RAM Plinth writes code into (the other CPUs' start-up page): writable
 * and executable while `exec`, else writable and not executable. */
int paging_set_exec(uint64_t pa, uint64_t size, bool exec);
/* The PML4's physical address (CR3). */
uint64_t paging_root(void);
uint64_t paging_limit(void);
bool paging_has_nx(void);
unsigned paging_phys_bits(void);

#endif
