/* What a CPU virtualization backend (Intel VT-x, AMD-V) offers the exit
 * dispatcher in hv/run/vcpu.c.  The backend turns its own exit codes into the
 * few kinds below; the dispatcher emulates them with shared device and
 * platform code and never sees a VMCS or VMCB. */
#ifndef PLINTH_VCPU_OPS_H
#define PLINTH_VCPU_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/page_walk.h"

/* Exit statistics are kept per slot; each backend maps its exit codes
 * onto slots below this and names them. */
#define VCPU_EXIT_SLOTS 80

enum vexit_kind {
	VX_NONE, /* handled by the backend, a timer or an interrupt */
	VX_CPUID,
	VX_HLT,
	VX_IO, /* port, size, in, string */
	VX_RDMSR,
	VX_WRMSR,
	VX_MMIO, /* gpa, write: an access where there is no RAM */
	VX_XSETBV,
	VX_NOP,	     /* WBINVD/INVD: caches are coherent, nothing to do */
	VX_SHUTDOWN, /* triple fault */
	VX_FAIL,     /* the backend cannot go on; why says what */
};

/* Backends set kind and slot, and only the fields of that kind. */
struct vexit {
	enum vexit_kind kind;
	unsigned slot;
	uint16_t port;	 /* VX_IO */
	uint8_t size;	 /* VX_IO: 1, 2 or 4; anything else is refused */
	bool in, string; /* VX_IO */
	uint64_t gpa;	 /* VX_MMIO */
	bool write;	 /* VX_MMIO */
};

/* The general registers in the order of vcpu_ops.run's regs[]. */
enum {
	R_RAX,
	R_RCX,
	R_RDX,
	R_RBX,
	R_RSP,
	R_RBP,
	R_RSI,
	R_RDI,
	R_R8,
	R_R9,
	R_R10,
	R_R11,
	R_R12,
	R_R13,
	R_R14,
	R_R15
};

/* Guest state the dispatcher and the MSR model read and write. */
enum vreg {
	VR_RIP,
	VR_RSP,
	VR_RFLAGS,
	VR_CR0,
	VR_CR3,
	VR_CR4,
	VR_EFER,
	VR_PAT,
	VR_SYSENTER_CS,
	VR_SYSENTER_ESP,
	VR_SYSENTER_EIP,
};

/* Where the loader (or a STARTUP IPI) leaves a vCPU to start. */
struct guest_entry {
	int mode; /* 16: real mode at physical rip (a 4 KiB page below
		   * 1 MiB: CS = rip >> 4, IP 0); 32: protected mode without
		   * paging; 64: long mode */
	uint64_t rip, rsp, cr3;
};

/* Where the instruction that exited lies, for fetching it: the paging
 * state, the code size (16, 32 or 64), the CS base and RIP. */
struct vcpu_code {
	struct pw_cpu cpu;
	uint64_t rip, cs_base;
	int mode;
};

struct gmem;
struct vcpu_fast;

struct vcpu_ops {
	const char *name; /* "vmx" or "svm": log prefixes */
	/* Turns the extension on for the calling CPU, one that runs a vCPU
	 * other than the first (the first CPU's was at boot).  0, or -1
	 * with the reason in why. */
	int (*cpu_on)(char *why, size_t n);
	/* A fresh vCPU `id` (VMCS or VMCB) for a new guest run over guest
	 * memory g, entered at e, on the CPU that calls and will run it; the
	 * other operations act on the vCPU of the CPU that calls them.
	 * vCPU 0 first.  0, or -1 with the reason in why. */
	int (*init)(unsigned id, const struct gmem *g,
		    const struct guest_entry *e, char *why, size_t n);
	/* Enters the guest until the next exit.  regs[] holds every general
	 * register (RSP is also in VR_RSP, which is what counts).  -1 when
	 * the entry itself failed, with the reason in why. */
	int (*run)(uint64_t regs[16], struct vexit *x, char *why, size_t n);
	uint64_t (*get)(enum vreg r);
	void (*set)(enum vreg r, uint64_t v);
	/* In one call: an MMIO exit needs all of it, and each call through
	 * the table costs more than the field it reads. */
	void (*code)(struct vcpu_code *c);
	/* Moves RIP past the instruction that exited and ends any STI/MOV SS
	 * interrupt shadow, as executing it would.  len 0: the length the
	 * CPU or the backend found (CPUID, HLT, I/O, MSR, XSETBV, NOP kinds);
	 * else len bytes (MMIO, whose length the decoder found). */
	void (*skip)(unsigned len);
	void (*inject_exception)(unsigned vec, bool has_err, uint32_t err);
	/* Can an external interrupt be injected now: IF set, no interrupt
	 * shadow, and no other event already queued for the next entry? */
	bool (*can_inject)(void);
	void (*inject_intr)(unsigned vec);
	/* Can an NMI be injected now: the last one's handler has returned,
	 * no interrupt shadow, no other event queued?  NULL where the
	 * backend injects no NMIs: they stay counted in the LAPIC. */
	bool (*can_inject_nmi)(void);
	void (*inject_nmi)(void);
	/* An exit as soon as the guest can take an interrupt. */
	void (*set_intr_window)(bool on);
	/* The guest runs at most this many TSC ticks before an exit. */
	void (*set_timer)(uint64_t ticks);
	/* The CPUID leaves the backend may answer in its world switch, and
	 * the deadline for that (arch/x86/vcpu_fast.h); the backend sets
	 * f->slot to its CPUID exit's.  NULL: no such fast path (AMD-V). */
	void (*set_fast)(struct vcpu_fast *f);
	void (*set_xcr0)(uint64_t v); /* after vcpu.c checked it */
	const char *(*exit_name)(unsigned slot);
	void (*dump)(void); /* backend registers, after a failure */
};

extern const struct vcpu_ops vmx_ops;
extern const struct vcpu_ops svm_ops;

#endif
