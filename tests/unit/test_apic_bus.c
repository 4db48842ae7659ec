/* Host tests for the guest's interrupt fabric (hv/platform/apic_bus.c,
 * lapic_post.c): the registry of vCPUs, IPI destinations and delivery
 * modes, INIT and STARTUP, MSIs, and posting to a LAPIC another core owns
 * (with real threads: no lost wake-up, nothing taken twice). */
#include "tests/support/check.h"

#include "hv/platform/apic_bus.h"

#include <pthread.h>
#include <sched.h>

#define SVR 0x0f0
#define TPR 0x080
#define EOI 0x0b0
#define LDR 0x0d0
#define DFR 0x0e0
#define IRR 0x200
#define TMR 0x180
#define ICR_LO 0x300
#define ICR_HI 0x310

#define N 4
static struct apic_bus bus;
static struct vlapic cpu[N];
static unsigned here_is;
static unsigned kicks[N];

static uint64_t now(void)
{
	return 1000;
}

static unsigned here(void)
{
	return here_is;
}

static void kick(void *ctx, unsigned i)
{
	(void)ctx;
	__atomic_fetch_add(&kicks[i], 1, __ATOMIC_RELEASE);
}

/* N enabled LAPICs, APIC IDs 0..N-1, all on one core. */
static void setup(void)
{
	apic_bus_init(&bus);
	memset(kicks, 0, sizeof(kicks));
	for (unsigned i = 0; i < N; i++) {
		vlapic_init(&cpu[i], now);
		CHECK(apic_bus_add(&bus, &cpu[i]) == (int)i);
		vlapic_write(&cpu[i], SVR, 0x1ff);
	}
}

static int irr(struct vlapic *a, unsigned v)
{
	return (vlapic_read(a, IRR + (v / 32) * 16) >> (v % 32)) & 1;
}

static int tmr(struct vlapic *a, unsigned v)
{
	return (vlapic_read(a, TMR + (v / 32) * 16) >> (v % 32)) & 1;
}

/* Which LAPICs hold `v` in their IRR, one bit each. */
static unsigned holders(unsigned v)
{
	unsigned m = 0;

	for (unsigned i = 0; i < N; i++)
		m |= (unsigned)irr(&cpu[i], v) << i;
	return m;
}

/* vCPU `from` writes its ICR (xAPIC). */
static void ipi(unsigned from, uint32_t dest, uint32_t lo)
{
	vlapic_write(&cpu[from], ICR_HI, dest << 24);
	vlapic_write(&cpu[from], ICR_LO, lo);
}

static void x2ipi(unsigned from, uint32_t dest, uint32_t lo)
{
	CHECK(vlapic_msr_write(&cpu[from], 0x830, ((uint64_t)dest << 32) | lo));
}

#define LOGICAL (1u << 11)
#define LEVEL (1u << 15)
#define ASSERT (1u << 14)
#define SH_SELF (1u << 18)
#define SH_ALL (2u << 18)
#define SH_OTHERS (3u << 18)
#define DM(m) ((uint32_t)(m) << 8)

static void registry_ids_are_the_indexes_and_it_has_an_end(void)
{
	static struct vlapic many[APIC_BUS_MAX + 1];

	setup();
	CHECK(bus.n == N);
	for (unsigned i = 0; i < N; i++)
		CHECK(cpu[i].id == i && cpu[i].bus == &bus
		      && cpu[i].index == i);
	CHECK(vlapic_read(&cpu[2], 0x020) == 2u << 24);
	CHECK(apic_bus_find(&bus, 3) == 3);
	CHECK(apic_bus_find(&bus, 4) == -1);
	CHECK(apic_bus_find(&bus, 0xffffffff) == -1);
	apic_bus_init(&bus);
	for (unsigned i = 0; i < APIC_BUS_MAX; i++) {
		vlapic_init(&many[i], now);
		CHECK(apic_bus_add(&bus, &many[i]) == (int)i);
	}
	vlapic_init(&many[APIC_BUS_MAX], now);
	CHECK(apic_bus_add(&bus, &many[APIC_BUS_MAX]) == -1);
	CHECK(many[APIC_BUS_MAX].bus == NULL);
}

static void physical_destinations_and_broadcast(void)
{
	setup();
	ipi(0, 2, 0x40);
	CHECK(holders(0x40) == 1u << 2);
	ipi(1, 0xff, 0x41); /* xAPIC broadcast */
	CHECK(holders(0x41) == 0xf);
	/* A level-triggered IPI is an edge with the level bit set, and
	 * nothing without it (SDM table 11-3, note 2). */
	ipi(0, 2, LEVEL | ASSERT | 0x46);
	CHECK(holders(0x46) == 1u << 2 && !tmr(&cpu[2], 0x46));
	ipi(0, 2, LEVEL | 0x47);
	CHECK(holders(0x47) == 0);
	ipi(1, 9, 0x42); /* nobody */
	CHECK(holders(0x42) == 0);
	CHECK(bus.count[APIC_DROPPED] == 1);
	CHECK(bus.count[APIC_FIXED] == 6);

	for (unsigned i = 0; i < N; i++)
		vlapic_set_x2apic(&cpu[i], true);
	x2ipi(0, 3, 0x43);
	CHECK(holders(0x43) == 1u << 3);
	x2ipi(0, 0xff, 0x44); /* 32-bit IDs: 0xFF is an APIC ID */
	CHECK(holders(0x44) == 0);
	x2ipi(0, 0xffffffff, 0x45);
	CHECK(holders(0x45) == 0xf);
}

/* SDM 11.6.2.2: the flat model (a bit per LAPIC) and the cluster model
 * (cluster in 7:4, a bit per member in 3:0). */
static void logical_flat_and_cluster_models(void)
{
	setup();
	for (unsigned i = 0; i < N; i++)
		vlapic_write(&cpu[i], LDR, (1u << i) << 24);
	ipi(0, 0x5, LOGICAL | 0x50);
	CHECK(holders(0x50) == 0x5);
	ipi(0, 0x0, LOGICAL | 0x51); /* no bit: nobody */
	CHECK(holders(0x51) == 0);

	for (unsigned i = 0; i < N; i++) {
		vlapic_write(&cpu[i], DFR, 0x0fffffff);
		/* clusters 1 and 2, two members each */
		vlapic_write(&cpu[i], LDR,
			     (((1 + i / 2) << 4) | (1u << (i % 2))) << 24);
	}
	ipi(3, 0x23, LOGICAL | 0x52);
	CHECK(holders(0x52) == 0xc);
	ipi(3, 0x12, LOGICAL | 0x53);
	CHECK(holders(0x53) == 0x2);
	ipi(3, 0xff, LOGICAL | 0x54); /* logical broadcast */
	CHECK(holders(0x54) == 0xf);
}

/* SDM 11.12.10.2: x2APIC logical IDs are derived from the APIC ID:
 * cluster ID[19:4] in 31:16, bit ID[3:0] in 15:0. */
static void x2apic_logical_clusters(void)
{
	static struct vlapic more[20];

	apic_bus_init(&bus);
	for (unsigned i = 0; i < 20; i++) {
		vlapic_init(&more[i], now);
		apic_bus_add(&bus, &more[i]);
		vlapic_write(&more[i], SVR, 0x1ff);
		vlapic_set_x2apic(&more[i], true);
	}
	CHECK(more[17].ldr == ((1u << 16) | (1u << 1)));
	CHECK(vlapic_msr_write(&more[0], 0x830, ((1ull << 16 | 0x2) << 32)
							| LOGICAL | 0x60));
	for (unsigned i = 0; i < 20; i++)
		CHECK(irr(&more[i], 0x60) == (i == 17));
	CHECK(vlapic_msr_write(&more[0], 0x830, (0x5ull << 32) | LOGICAL
							| 0x61));
	for (unsigned i = 0; i < 20; i++)
		CHECK(irr(&more[i], 0x61) == (i == 0 || i == 2));
}

/* SDM 11.6.1 and table 11-3: self and all-including-self carry fixed
 * interrupts only; all-excluding-self carries every mode. */
static void shorthands(void)
{
	setup();
	ipi(1, 3, SH_SELF | 0x70); /* the destination field is ignored */
	CHECK(holders(0x70) == 0x2);
	ipi(1, 0, SH_ALL | 0x71);
	CHECK(holders(0x71) == 0xf);
	ipi(1, 0, SH_OTHERS | 0x72);
	CHECK(holders(0x72) == 0xd);
	ipi(1, 0, SH_SELF | DM(APIC_DM_NMI));
	ipi(1, 0, SH_ALL | DM(APIC_DM_INIT) | ASSERT);
	CHECK(cpu[1].nmis == 0 && cpu[1].cpu == VLAPIC_RUNNING);
	CHECK(bus.count[APIC_DROPPED] == 2);
	ipi(1, 0, SH_OTHERS | DM(APIC_DM_NMI));
	CHECK(cpu[0].nmis == 1 && cpu[1].nmis == 0 && cpu[3].nmis == 1);
	CHECK(cpu[0].nmi_pending && !cpu[1].nmi_pending && cpu[3].nmi_pending);
}

/* An NMI to a LAPIC another core owns waits for that core like any post,
 * then is pending for the run loop to inject.  NMIs do not queue: two
 * before the owner looks are one to inject (both counted); taking it is
 * the run loop's, and an INIT drops one not yet taken. */
static void nmi_posted_pending_once_and_dropped_by_init(void)
{
	setup();
	bus.here = here;
	bus.kick = kick;
	here_is = 0;
	ipi(0, 2, DM(APIC_DM_NMI));
	ipi(0, 2, DM(APIC_DM_NMI));
	CHECK(!cpu[2].nmi_pending && cpu[2].nmis == 0 && kicks[2] == 1);
	here_is = 2;
	vlapic_collect_posts(&cpu[2]);
	CHECK(cpu[2].nmi_pending && cpu[2].nmis == 1);
	CHECK(!cpu[0].nmi_pending && !cpu[1].nmi_pending);
	cpu[2].nmi_pending = false; /* injected */
	ipi(2, 2, DM(APIC_DM_NMI)); /* to itself, by ID: at once */
	CHECK(cpu[2].nmi_pending && cpu[2].nmis == 2);
	here_is = 0;
	ipi(0, 2, DM(APIC_DM_INIT) | LEVEL | ASSERT);
	here_is = 2;
	vlapic_collect_posts(&cpu[2]);
	CHECK(!cpu[2].nmi_pending && cpu[2].cpu == VLAPIC_WAIT_SIPI);
}

/* Lowest priority reaches exactly one of the LAPICs named, each in turn. */
static void lowest_priority_reaches_one_in_turn(void)
{
	unsigned seen = 0;

	setup();
	for (unsigned i = 0; i < N; i++)
		vlapic_write(&cpu[i], LDR, (1u << i) << 24);
	for (unsigned k = 0; k < 3; k++) {
		unsigned h;

		ipi(0, 0x7, LOGICAL | DM(APIC_DM_LOWEST) | 0x80);
		h = holders(0x80);
		CHECK(h && !(h & (h - 1)) && (h & 0x7));
		seen |= h;
		for (unsigned i = 0; i < N; i++) {
			vlapic_accept(&cpu[i], 0x80);
			vlapic_write(&cpu[i], EOI, 0);
		}
	}
	CHECK(seen == 0x7);
	CHECK(bus.count[APIC_LOWEST] == 3);
	ipi(0, 0x8, LOGICAL | DM(APIC_DM_LOWEST) | 0x81);
	CHECK(holders(0x81) == 0x8);
}

/* SDM 9.4.4: INIT resets the LAPIC but for its ID (and x2APIC mode) and
 * leaves the CPU waiting for STARTUP; STARTUP is taken only then. */
static void init_then_startup_starts_a_cpu(void)
{
	setup();
	vlapic_write(&cpu[2], TPR, 0x30);
	vlapic_set_irq(&cpu[2], 0x90, true);
	vlapic_set_x2apic(&cpu[2], true);
	ipi(0, 2, DM(APIC_DM_INIT) | LEVEL | ASSERT);
	CHECK(cpu[2].cpu == VLAPIC_WAIT_SIPI);
	CHECK(cpu[2].tpr == 0 && !irr(&cpu[2], 0x90) && !tmr(&cpu[2], 0x90));
	CHECK(!(cpu[2].svr & 0x100) && cpu[2].id == 2 && cpu[2].x2apic);
	CHECK(cpu[2].ldr == ((0u << 16) | (1u << 2)));
	CHECK(cpu[2].bus == &bus && cpu[2].now == now);
	CHECK(cpu[0].cpu == VLAPIC_RUNNING && cpu[1].cpu == VLAPIC_RUNNING);
	/* INIT de-assert: nothing. */
	ipi(0, 2, DM(APIC_DM_INIT) | LEVEL);
	CHECK(cpu[2].cpu == VLAPIC_WAIT_SIPI);
	ipi(0, 2, DM(APIC_DM_STARTUP) | 0x9a);
	CHECK(cpu[2].cpu == VLAPIC_STARTUP && cpu[2].sipi_vector == 0x9a);
	/* Linux sends STARTUP twice; the second finds the CPU started. */
	ipi(0, 2, DM(APIC_DM_STARTUP) | 0x9b);
	CHECK(cpu[2].sipi_vector == 0x9a && cpu[2].sipis_ignored == 1);
	/* A running CPU ignores STARTUP. */
	ipi(0, 1, DM(APIC_DM_STARTUP) | 0x9c);
	CHECK(cpu[1].cpu == VLAPIC_RUNNING && cpu[1].sipis_ignored == 1);
	CHECK(bus.count[APIC_INIT] == 1 && bus.count[APIC_STARTUP] == 3);
}

/* A LAPIC another core owns: its registers are untouched until that core
 * folds the posts in, and its core is kicked once per batch. */
static void posts_wait_for_the_owner_and_kick_once(void)
{
	struct apic_msg lv = { .dest = 1, .vector = 0x41, .level = true,
			       .assert = true }; /* an IOAPIC's level entry */

	setup();
	bus.here = here;
	bus.kick = kick;
	here_is = 0;
	ipi(0, 1, 0x40);
	CHECK(apic_bus_send(&bus, &lv, APIC_BUS_NOBODY) == 1);
	CHECK(holders(0x40) == 0 && holders(0x41) == 0);
	CHECK(kicks[1] == 1);
	ipi(0, 0, 0x42); /* to itself: at once, no kick */
	CHECK(holders(0x42) == 1 && kicks[0] == 0);
	here_is = 1;
	vlapic_collect_posts(&cpu[1]);
	CHECK(irr(&cpu[1], 0x40) && !tmr(&cpu[1], 0x40));
	CHECK(irr(&cpu[1], 0x41) && tmr(&cpu[1], 0x41));
	vlapic_collect_posts(&cpu[1]); /* nothing more */
	CHECK(cpu[1].post.flags == 0);
	here_is = 0;
	ipi(0, 1, DM(APIC_DM_INIT) | LEVEL | ASSERT);
	ipi(0, 1, DM(APIC_DM_STARTUP) | 0x10);
	CHECK(kicks[1] == 2 && cpu[1].cpu == VLAPIC_RUNNING);
	vlapic_collect_posts(&cpu[1]);
	CHECK(cpu[1].cpu == VLAPIC_STARTUP && cpu[1].sipi_vector == 0x10);
	CHECK(!irr(&cpu[1], 0x40)); /* INIT cleared what was before it */
	/* From a core that runs no vCPU (the I/O core): every one posted. */
	here_is = APIC_BUS_NOBODY;
	CHECK(apic_bus_msi(&bus, 0xfee00000, 0x4030) == 1);
	CHECK(holders(0x30) == 0 && kicks[0] == 1);
	CHECK(bus.count[APIC_POSTED] == 5 && bus.count[APIC_KICKS] == 3);
}

/* MSI address and data (SDM 11.11.1, 11.11.2). */
static void msi_destination_and_data(void)
{
	setup();
	CHECK(apic_bus_msi(&bus, 0xfee02000, 0xc041) == 1); /* APIC 2 */
	CHECK(holders(0x41) == 0x4 && !tmr(&cpu[2], 0x41)); /* edge */
	for (unsigned i = 0; i < N; i++)
		vlapic_write(&cpu[i], LDR, (1u << i) << 24);
	CHECK(apic_bus_msi(&bus, 0xfee0a004, 0x0042) == 2); /* logical 1010 */
	CHECK(holders(0x42) == 0xa);
	CHECK(apic_bus_msi(&bus, 0xfee01000, 0x0400) == 1); /* NMI */
	CHECK(cpu[1].nmis == 1);
	CHECK(apic_bus_msi(&bus, 0xfed01000, 0x0043) == 0); /* not 0xFEE */
	CHECK(apic_bus_msi(&bus, 0xfee01000, 0x0005) == 0); /* vector 5 */
	CHECK(apic_bus_msi(&bus, 0xfee01000, 0x0243) == 0); /* SMI */
	CHECK(apic_bus_msi(&bus, 0xfee01000, 0x0743) == 0); /* ExtINT */
	CHECK(holders(0x43) == 0 && holders(0x05) == 0);
	CHECK(bus.count[APIC_DROPPED] == 4);
}

/* ---- two cores posting to a third -------------------------------------- */

#define ROUNDS 20000
#define LIMIT_NS 10000000000ull

static unsigned acks[256];
static unsigned handled; /* kicks the owner has acted on */
static int owner_stop, stuck;

/* The owner plays a vCPU that runs in the guest until kicked: it looks
 * at its posts only after a kick, so a post that kicks nobody while
 * nothing else is pending strands its vector and the poster waits. */
static void *owner(void *unused)
{
	unsigned seen = 0;

	(void)unused;
	while (!__atomic_load_n(&owner_stop, __ATOMIC_ACQUIRE)) {
		int v;

		if (__atomic_load_n(&kicks[0], __ATOMIC_ACQUIRE) == seen) {
			sched_yield();
			continue;
		}
		seen = __atomic_load_n(&kicks[0], __ATOMIC_ACQUIRE);
		vlapic_collect_posts(&cpu[0]);
		while ((v = vlapic_pending(&cpu[0])) >= 0) {
			vlapic_accept(&cpu[0], (uint8_t)v);
			vlapic_write(&cpu[0], EOI, 0);
			__atomic_fetch_add(&acks[v], 1, __ATOMIC_RELEASE);
		}
		__atomic_store_n(&handled, seen, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Each poster has its own vector and waits for each interrupt to be
 * taken before it sends the next. */
static void *poster(void *arg)
{
	uint8_t vec = (uint8_t)(uintptr_t)arg;
	struct apic_msg m = { .dest = 0, .vector = vec };

	for (unsigned r = 1; r <= ROUNDS; r++) {
		uint64_t t0 = check_now_ns();

		apic_bus_send(&bus, &m, APIC_BUS_NOBODY);
		while (__atomic_load_n(&acks[vec], __ATOMIC_ACQUIRE) < r) {
			if (check_now_ns() - t0 > LIMIT_NS) {
				__atomic_store_n(&stuck, 1, __ATOMIC_RELAXED);
				return NULL;
			}
			sched_yield();
		}
	}
	return NULL;
}

static unsigned here_nobody(void)
{
	return APIC_BUS_NOBODY;
}

static pthread_t start_owner(void)
{
	pthread_t o;

	setup();
	bus.here = here_nobody;
	bus.kick = kick;
	memset(acks, 0, sizeof(acks));
	owner_stop = stuck = 0;
	handled = 0;
	pthread_create(&o, NULL, owner, NULL);
	return o;
}

static void stop_owner(pthread_t o)
{
	__atomic_store_n(&owner_stop, 1, __ATOMIC_RELEASE);
	pthread_join(o, NULL);
}

static void posts_from_two_cores_lose_nothing(void)
{
	pthread_t o = start_owner(), p1, p2;

	pthread_create(&p1, NULL, poster, (void *)(uintptr_t)0x51);
	pthread_create(&p2, NULL, poster, (void *)(uintptr_t)0xa2);
	pthread_join(p1, NULL);
	pthread_join(p2, NULL);
	stop_owner(o);
	CHECK(!stuck);
	CHECK(acks[0x51] == ROUNDS && acks[0xa2] == ROUNDS);
	CHECK(bus.count[APIC_POSTED] == 2 * ROUNDS);
	CHECK(bus.count[APIC_KICKS] <= 2 * ROUNDS);
}

#define BURSTS 10000

/* Bursts of posts racing the owner's folds.  Once the owner has acted on
 * every kick, nothing may be left posted: a vector set while the owner
 * was folding either was taken or kicked it again. */
static void nothing_stranded_after_a_burst(void)
{
	pthread_t o = start_owner();
	struct apic_msg m = { .dest = 0, .vector = 0x61 };
	unsigned left = 0;

	for (unsigned b = 0; b < BURSTS && !stuck; b++) {
		uint64_t t0;

		for (unsigned k = 0; k <= b % 37; k++)
			apic_bus_send(&bus, &m, APIC_BUS_NOBODY);
		t0 = check_now_ns();
		while (__atomic_load_n(&handled, __ATOMIC_ACQUIRE)
		       != __atomic_load_n(&kicks[0], __ATOMIC_ACQUIRE)) {
			if (check_now_ns() - t0 > LIMIT_NS)
				stuck = 1;
			sched_yield();
		}
		left += __atomic_load_n(&cpu[0].post.irr[0x61 / 32],
					__ATOMIC_ACQUIRE)
			!= 0;
	}
	stop_owner(o);
	CHECK(!stuck);
	CHECK(left == 0);
	CHECK(acks[0x61] >= 1);
}

int main(void)
{
	RUN(registry_ids_are_the_indexes_and_it_has_an_end);
	RUN(physical_destinations_and_broadcast);
	RUN(logical_flat_and_cluster_models);
	RUN(x2apic_logical_clusters);
	RUN(shorthands);
	RUN(lowest_priority_reaches_one_in_turn);
	RUN(nmi_posted_pending_once_and_dropped_by_init);
	RUN(init_then_startup_starts_a_cpu);
	RUN(posts_wait_for_the_owner_and_kick_once);
	RUN(msi_destination_and_data);
	RUN(posts_from_two_cores_lose_nothing);
	RUN(nothing_stranded_after_a_burst);
	return CHECK_DONE();
}
