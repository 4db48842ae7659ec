/* MMIO exits (hv/run/vcpu_exit.h): the instruction at the guest's RIP,
 * fetched through its page tables and decoded (both memoised, for the
 * accessors a driver runs over and over), then done by the vCPU's own
 * LAPIC or the device behind the address.  The common case (a known
 * instruction in 64-bit code, the LAPIC) takes no call it can avoid: it
 * is most of what an MMIO round trip costs beyond the world switch. */
#include "hv/run/vcpu_exit.h"

#include "arch/x86/decode_cache.h"
#include "arch/x86/page_walk.h"
#include "hv/guest/layout.h"
#include "hv/platform/mmiobus.h"

/* The guest's RSP, in regs[] for an instruction that names it.  RSP
 * lives in the VMCS or VMCB, not in regs[]: it is brought over only for
 * the rare instruction that does (AH, also register 4, is in RAX). */
static bool names_rsp(const struct mmio_insn *in)
{
	return in->op != MMIO_STORE_IMM && in->reg == R_RSP && !in->reg_high8;
}

static uint64_t store_value(struct vcpu *v, const struct mmio_insn *in)
{
	if (names_rsp(in))
		v->regs[R_RSP] = v->ops->get(VR_RSP);
	return mmio_store_value(in, v->regs);
}

static void apply_load_rsp(struct vcpu *v, const struct mmio_insn *in,
			   uint64_t val)
{
	v->regs[R_RSP] = v->ops->get(VR_RSP);
	mmio_apply_load(in, val, v->regs);
	v->ops->set(VR_RSP, v->regs[R_RSP]);
}

/* Inline: the rest of every MMIO read exit. */
static inline void apply_load(struct vcpu *v, const struct mmio_insn *in,
			      uint64_t val)
{
	if (names_rsp(in))
		apply_load_rsp(v, in, val);
	else
		mmio_apply_load(in, val, v->regs);
}

/* The vCPU's own LAPIC page, reached straight from the exit: no bus
 * look-up, no platform lock.  The page never moves, and the LAPIC is this
 * core's alone (hv/platform/lapic.h); an EOI of a level-triggered vector
 * reaches the I/O APIC through its own hook, which takes the lock.  Only
 * 32-bit accesses reach a register (SDM 11.4.1); others are dropped and
 * read as 0.  A read changes nothing: its exit is QUIET.  A write may
 * (EOI, TPR, the timer, an IPI). */
static enum handled lapic_access(struct vcpu *v, uint64_t gpa,
				 const struct mmio_insn *in, bool is_store)
{
	uint32_t off = (uint32_t)(gpa & 0xfff);

	if (is_store) {
		uint64_t val = store_value(v, in);

		if (in->size == 4)
			vlapic_write(v->lapic, off, (uint32_t)val);
		return DONE;
	}
	apply_load(v, in, in->size == 4 ? vlapic_read(v->lapic, off) : 0);
	return QUIET;
}

/* The common case of decode_at_rip, in 64-bit code: the memo's walk
 * still holds and the 16 bytes at RIP, read once from the code page, are
 * an instruction the cache has decoded.  The page's last 15 bytes take
 * the long way, which fetches across the boundary. */
static bool decode_known(struct vcpu *v, const struct vcpu_code *c,
			 struct mmio_insn *in)
{
	const uint8_t *page;
	uint64_t lo, hi;

	if (c->mode != 64 || (c->rip & 0xfff) > 4096 - 16)
		return false;
	page = pw_memo_page(&v->walks, &c->cpu, c->rip);
	if (!page)
		return false;
	__builtin_memcpy(&lo, page + (c->rip & 0xfff), 8);
	__builtin_memcpy(&hi, page + (c->rip & 0xfff) + 8, 8);
	/* These registers are the one copy: the compiler may not read
	 * guest memory again for them (another vCPU may be writing it). */
	__asm__("" : "+r"(lo), "+r"(hi));
	if (!mmio_decode_hit(&v->decodes, c->rip, lo, hi, 64, in))
		return false;
	v->walks.hits++;
	return true;
}

/* The instruction at the guest's RIP, fetched through its own page
 * tables and decoded.  Neither backend needs decode assists: anything
 * that does not decode stops the guest with the bytes in the log, a
 * defined result, never a guess. */
static enum handled decode_at_rip(struct vcpu *v, uint64_t gpa,
				  struct mmio_insn *in, enum guest_end *end)
{
	struct vcpu_code c;
	uint8_t bytes[16] = { 0 }; /* the cache reads 16 (decode_cache.h) */
	char m[160];

	v->ops->code(&c);
	if (decode_known(v, &c, in))
		return DONE;
	size_t n = pw_fetch_insn_memo(&v->walks, v->gm, &c.cpu, c.mode,
				      c.cs_base, c.rip, bytes, MMIO_INSN_MAX);

	if (!mmio_decode_cached(&v->decodes,
				c.mode == 64 ? c.rip : c.rip + c.cs_base, bytes,
				n, c.mode, in))
		return DONE;
	size_t k = fmt(m, sizeof(m),
		       "unsupported instruction at guest-physical MMIO "
		       "0x%lx, bytes",
		       (unsigned long)gpa);

	fmt_bytes(m, sizeof(m), k, bytes, n < 8 ? n : 8);
	return vcpu_stop(v, end, GUEST_FAILED, m);
}

static enum handled no_device(struct vcpu *v, enum guest_end *end, uint64_t gpa)
{
	char m[96];

	fmt(m, sizeof(m),
	    "access to guest-physical 0x%lx, where there is neither RAM "
	    "nor a device",
	    (unsigned long)gpa);
	return vcpu_stop(v, end, GUEST_FAILED, m);
}

enum handled vcpu_mmio(struct vcpu *v, const struct vexit *x,
		       enum guest_end *end)
{
	uint64_t gpa = x->gpa;
	struct mmio_insn in;

	if (decode_at_rip(v, gpa, &in, end) == STOP)
		return STOP;
	bool is_store = in.op == MMIO_STORE_REG || in.op == MMIO_STORE_IMM;
	enum handled h = DONE;

	/* The decoded direction must agree with what the CPU saw. */
	if (is_store != x->write)
		return no_device(v, end, gpa);
	if ((gpa >> 12) == (GUEST_LAPIC_BASE >> 12)
	    && ((gpa + in.size - 1) >> 12) == (gpa >> 12)) {
		h = lapic_access(v, gpa, &in, is_store);
	} else {
		bool taken = vcpu_plat_lock(v);
		const struct bus_range *r = mmiobus_find(gpa, in.size);

		if (!r) {
			vcpu_plat_unlock(v, taken);
			return no_device(v, end, gpa);
		}
		v->platform_due = 0; /* a device may have re-armed a timer */
		if (is_store && r->write)
			bus_write(r, gpa, in.size, store_value(v, &in));
		else if (!is_store)
			apply_load(v, &in,
				   r->read ? bus_read(r, gpa, in.size) : ~0ull);
		vcpu_plat_unlock(v, taken);
	}
	v->ops->skip(in.len);
	return h;
}
