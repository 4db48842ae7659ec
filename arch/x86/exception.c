/* The fatal-fault report: vector, error code, every register, CR0-CR4,
 * a frame-pointer stack trace, then the configured action.  The host
 * never expects an exception, so each one is a bug worth a full report. */
#include "arch/x86/exception.h"

#include <stdbool.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vectors.h"
#include "hv/base/log.h"
#include "hv/base/power.h"

#define MAX_STACKS 8
#define MAX_FRAMES 24

static struct {
	uint64_t guard_lo, lo, hi;
	const char *name;
} stacks[MAX_STACKS];
static int nstacks;
static uint64_t image_base, text_lo, text_hi;
static volatile int in_fault;
static void (*irq_handler)(unsigned vector);
static void (*vector_handler[256])(unsigned vector);

void exc_set_irq_handler(void (*fn)(unsigned vector))
{
	irq_handler = fn;
}

void exc_set_vector_handler(unsigned vector, void (*fn)(unsigned vector))
{
	if (vector >= 32 && vector < 256)
		vector_handler[vector] = fn;
}

static const char *const names[VEC_EXCEPTIONS] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

void exc_add_stack(uint64_t guard_lo, uint64_t lo, uint64_t hi,
		   const char *name)
{
	if (nstacks < MAX_STACKS)
		stacks[nstacks++] = (typeof(stacks[0])){ guard_lo, lo, hi,
							 name };
}

void exc_set_image(uint64_t base, uint64_t tlo, uint64_t thi)
{
	image_base = base;
	text_lo = tlo;
	text_hi = thi;
}

static int stack_of(uint64_t addr, uint64_t len)
{
	for (int i = 0; i < nstacks; i++)
		if (addr >= stacks[i].lo && addr + len <= stacks[i].hi)
			return i;
	return -1;
}

/* "0x... (plinth.so+0x...)" for code addresses inside the image. */
static void print_addr(const char *label, int idx, uint64_t a)
{
	if (a >= text_lo && a < text_hi)
		log_printf("  %s%02d 0x%016lx (plinth.so+0x%lx)\n", label, idx,
			   a, a - image_base);
	else
		log_printf("  %s%02d 0x%016lx\n", label, idx, a);
}

static void stack_trace(uint64_t rip, uint64_t rbp)
{
	uint64_t last = rip;
	int repeats = 0;

	log_printf("stack trace (addr2line -e build/plinth.so OFFSET):\n");
	print_addr("#", 0, rip);
	for (int n = 1; n <= MAX_FRAMES; n++) {
		/* Follow RBP only while it stays inside a known stack and
		 * moves up it: a corrupt chain must not fault again. */
		if ((rbp & 7) || stack_of(rbp, 16) < 0)
			break;
		uint64_t next = ((uint64_t *)rbp)[0];
		uint64_t ret = ((uint64_t *)rbp)[1];

		/* Recursion: one line for a run of identical frames. */
		if (ret == last && n > 1) {
			repeats++;
		} else {
			if (repeats)
				log_printf("  ... the frame above %d more "
					   "times\n",
					   repeats);
			repeats = 0;
			print_addr("#", n, ret);
		}
		last = ret;
		if (next <= rbp)
			break;
		rbp = next;
	}
	if (repeats)
		log_printf("  ... the frame above %d more times (trace cut "
			   "at %d frames)\n",
			   repeats, MAX_FRAMES);
}

static void explain_pf(uint64_t err, uint64_t cr2)
{
	log_printf("  page fault at 0x%lx: %s, %s, %s%s%s\n", cr2,
		   (err & 1) ? "protection violation" : "page not present",
		   (err & 2) ? "write" : "read",
		   (err & 4) ? "user mode" : "supervisor mode",
		   (err & 8) ? ", reserved bit set" : "",
		   (err & 16) ? ", instruction fetch" : "");
}

static void explain_guard(uint64_t cr2, uint64_t rsp)
{
	for (int i = 0; i < nstacks; i++) {
		bool hit = (cr2 >= stacks[i].guard_lo && cr2 < stacks[i].lo)
			   || (rsp >= stacks[i].guard_lo
			       && rsp < stacks[i].lo + 64);

		if (hit)
			log_printf("  stack overflow: the guard page below "
				   "the %s stack was hit\n",
				   stacks[i].name);
	}
}

void exc_dispatch(struct exc_frame *f)
{
	/* External interrupts reach the host only where it lets them in
	 * (host_timer_take); they are not faults. */
	if (f->vector >= 32 && f->vector < 256 && vector_handler[f->vector]) {
		vector_handler[f->vector]((unsigned)f->vector);
		return;
	}
	if (f->vector >= 32 && irq_handler) {
		irq_handler((unsigned)f->vector);
		return;
	}
	uint64_t cr2 = read_cr2();

	if (in_fault++) {
		log_printf("FATAL: nested host exception, vector %lu at RIP "
			   "0x%lx; halting\n",
			   f->vector, f->rip);
		power_halt_now();
	}
	log_printf("\nFATAL: host exception %s (vector %lu), error code "
		   "0x%lx\n",
		   f->vector <= VEC_CP ? names[f->vector]
				       : "external interrupt",
		   f->vector, f->error);
	if (f->vector == VEC_PF)
		explain_pf(f->error, cr2);
	if (f->vector == VEC_PF || f->vector == VEC_DF)
		explain_guard(cr2, f->rsp);
	log_printf("  RIP 0x%016lx\n", f->rip);
	log_printf("  CS  0x%04lx  SS 0x%04lx  RFLAGS 0x%08lx\n", f->cs, f->ss,
		   f->rflags);
	log_printf("  RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx\n", f->rax,
		   f->rbx, f->rcx);
	log_printf("  RDX 0x%016lx  RSI 0x%016lx  RDI 0x%016lx\n", f->rdx,
		   f->rsi, f->rdi);
	log_printf("  RBP 0x%016lx  RSP 0x%016lx  R8  0x%016lx\n", f->rbp,
		   f->rsp, f->r8);
	log_printf("  R9  0x%016lx  R10 0x%016lx  R11 0x%016lx\n", f->r9,
		   f->r10, f->r11);
	log_printf("  R12 0x%016lx  R13 0x%016lx  R14 0x%016lx\n", f->r12,
		   f->r13, f->r14);
	log_printf("  R15 0x%016lx\n", f->r15);
	log_printf("  CR0 0x%016lx  CR2 0x%016lx  CR3 0x%016lx  CR4 "
		   "0x%016lx\n",
		   read_cr0(), cr2, read_cr3(), read_cr4());
	stack_trace(f->rip, f->rbp);
	power_fault_action("host exception");
}
