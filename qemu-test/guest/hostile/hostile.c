/* hostile: a hostile virtio driver inside the guest.
 *
 *   hostile full|1   every attack
 *   hostile quick    a subset of about 30 (Bochs)
 *   hostile ro       the read-only disk's attacks (disk_readonly = yes)
 *
 * Each attack sets a device up (or not), does its harm and checks what
 * the device answered; then the verdict: a known-good request (blk: read
 * sector 0, data as at start-up; net: a small broadcast frame, used)
 * without a reset means "refused, device alive"; if that fails (or the
 * device says DEVICE_NEEDS_RESET) the device is reset and set up again,
 * and a known-good request then means "needs reset".  Anything else
 * fails: the known-good request failing after the reset, a hang, bytes
 * changed outside what the device was given (guards), an attack's own
 * check.  One line per attack on stdout, flushed: the console is the
 * serial port. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"

const char *setup_error(void);

int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return -1;
}

int std_setup(struct ctx *c)
{
	if (dev_setup(c->d, c->packed, NULL))
		return fail(c, "set-up: %s", setup_error());
	return 0;
}

int expect_refused(struct ctx *c, uint16_t id, uint8_t *status,
		   struct buf *data, int ms)
{
	uint32_t len = 0;

	if (!wait_used(c->d, c->qi, id, &len, ms))
		return 0; /* not served: the verdict tells stalled from
			     ignored */
	if (len > 1)
		return fail(c, "completed with used length %u", len);
	if (status) {
		if (*status == BLK_S_OK)
			return fail(c, "completed with status OK");
		if (len == 1 && *status != BLK_S_IOERR
		    && *status != BLK_S_UNSUPP)
			return fail(c, "used length 1, status byte 0x%02x",
				    *status);
		if (len == 0 && *status != PATTERN)
			return fail(c, "used length 0 but status byte "
				       "written");
	}
	if (data && data->va)
		for (uint32_t i = 0; i < data->len; i++)
			if (data->va[i] != PATTERN)
				return fail(c, "data written into the buffer "
					       "of a refused request");
	return 0;
}

int expect_tx_refused(struct ctx *c, uint16_t id, int ms)
{
	uint32_t len = 0;

	if (wait_used(c->d, c->qi, id, &len, ms) && len)
		return fail(c, "transmit chain used with length %u", len);
	return 0;
}

int wait_any(struct ctx *c, uint16_t id, int ms)
{
	wait_used(c->d, c->qi, id, NULL, ms);
	return 0;
}

int blk_good_read(struct ctx *c, uint32_t sectors)
{
	struct blkreq r;
	uint32_t len = 0;

	blk_build(c->d, &r, BLK_T_IN, 0, 512 * sectors, false);
	uint16_t id = submit(c->d, 0, &r.c);

	if (!wait_used(c->d, 0, id, &len, 3000))
		return fail(c, "a good read never completed");
	if (r.st.va[0] != BLK_S_OK || len != 512 * sectors + 1)
		return fail(c, "a good read: status %u, used length %u",
			    r.st.va[0], len);
	if (memcmp(r.data.va, c->d->ref, 512))
		return fail(c, "a good read returned wrong data");
	return 0;
}

/* --- the verdict ----------------------------------------------------- */
static int total, passed, failed;
static const char *only; /* run just the attacks with this name */
static bool list_only;	 /* print the cases, run nothing */

/* A case that hangs (the program's own fault, or the device's) ends the
 * run with a FAIL line and the summary, rather than the test's timeout. */
static char current[160];

static void hung(int sig)
{
	(void)sig;
	printf("hostile: %s: FAIL: hung for 60 s\n", current);
	printf("hostile: %d attacks: %d passed, %d failed\n", total, passed,
	       failed + 1);
	fflush(stdout);
	_exit(1);
}

static bool running(struct dev *d)
{
	uint8_t st = cr8(d, C_STATUS);

	return (st & S_DRIVER_OK) && !(st & (S_NEEDS_RESET | S_FAILED));
}

static void run_case(const struct attack *a, struct dev *d, const char *ring,
		     bool packed)
{
	struct ctx c = { .d = d,
			 .packed = packed,
			 .qi = d->kind == BLK ? 0 : 1 };
	char why[256] = "";
	const char *verdict = NULL;
	int n = ++total;

	if (list_only) {
		passed++;
		printf("hostile: %03d %s %s %s\n", n, d->name, ring, a->name);
		return;
	}
	snprintf(current, sizeof(current), "%03d %s %s %s", n, d->name, ring,
		 a->name);
	alarm(60);
	mem_reset();
	if (a->fn(&c) < 0)
		snprintf(why, sizeof(why), "%s", c.why);
	else if (mem_check(why, sizeof(why)) == 0) {
		if (running(d) && known_good(d, why, sizeof(why)) == 0
		    && mem_check(why, sizeof(why)) == 0)
			verdict = "refused, device alive";
		else if (why[0] && strstr(why, "physical")) {
			/* a guard changed: that is the failure */
		} else if (dev_reset(d))
			snprintf(why, sizeof(why),
				 "device_status never read 0 after a reset");
		else {
			mem_reset();
			if (dev_setup(d, packed, NULL))
				snprintf(why, sizeof(why),
					 "set-up after the reset: %s",
					 setup_error());
			else if (known_good(d, why, sizeof(why)) == 0
				 && mem_check(why, sizeof(why)) == 0)
				verdict = "needs reset";
		}
	}
	if (verdict && a->expect == X_ALIVE && verdict[0] == 'n') {
		snprintf(why, sizeof(why),
			 "needed a reset; a refusal with the device alive "
			 "was expected");
		verdict = NULL;
	}
	if (verdict && a->expect == X_RESET && verdict[0] == 'r') {
		snprintf(why, sizeof(why),
			 "device still served requests; a reset was "
			 "expected");
		verdict = NULL;
	}
	/* Quiet the device before the next attack reuses the arena. */
	if (dev_reset(d) && verdict) {
		snprintf(why, sizeof(why),
			 "device_status never read 0 after the final reset");
		verdict = NULL;
	}
	alarm(0);
	if (verdict) {
		passed++;
		printf("hostile: %03d %s %s %s: %s\n", n, d->name, ring,
		       a->name, verdict);
	} else {
		failed++;
		printf("hostile: %03d %s %s %s: FAIL: %s\n", n, d->name, ring,
		       a->name, why[0] ? why : "unknown");
	}
	fflush(stdout);
}

/* Every device and ring an attack applies to; in quick mode just one of
 * them, rotating, so that the subset still covers both of each. */
static void run_table(const struct attack *t, int nt, int mode)
{
	static int rot;

	for (int i = 0; i < nt; i++) {
		const struct attack *a = &t[i];
		struct {
			int k;
			const char *ring;
			bool packed;
		} ex[6];
		int n = 0;

		if (!(a->modes & mode) || (only && strcmp(only, a->name)))
			continue;
		for (int k = BLK; k <= NET; k++) {
			if (!(a->devs & (1 << k)))
				continue;
			if (a->rings & R_ONE)
				ex[n++] = (typeof(ex[0])){ k, "any", true };
			if (a->rings & R_PACKED)
				ex[n++] = (typeof(ex[0])){ k, "packed", true };
			if (a->rings & R_SPLIT)
				ex[n++] = (typeof(ex[0])){ k, "split", false };
		}
		for (int j = 0; j < n; j++) {
			if (mode == M_QUICK && j != rot % n)
				continue;
			run_case(a, &devs[ex[j].k], ex[j].ring, ex[j].packed);
		}
		rot++;
	}
}

static int start(struct dev *d)
{
	char why[256];

	d->nq = cr16(d, C_NUMQ);
	cw32(d, C_DFSELECT, 0);
	d->offered = cr32(d, C_DF);
	cw32(d, C_DFSELECT, 1);
	d->offered |= (uint64_t)cr32(d, C_DF) << 32;
	cw16(d, C_QSEL, 0);
	d->qmax = cr16(d, C_QSIZE);
	if (d->kind == BLK) {
		d->capacity = r64(d, d->devcfg);
		d->max_discard = r32(d, d->devcfg + 0x24);
		d->readonly = d->offered & BIT(BLK_F_RO);
	} else {
		for (int i = 0; i < 6; i++)
			d->mac[i] = r8(d, d->devcfg + (uint32_t)i);
		d->mtu = r16(d, d->devcfg + 10);
	}
	printf("hostile: %s at %s, BAR 0x%llx, features 0x%llx, %u queues of "
	       "%u",
	       d->name, d->sysfs, (unsigned long long)d->bar_pa,
	       (unsigned long long)d->offered, d->nq, d->qmax);
	if (d->kind == BLK)
		printf(", %llu sectors%s\n", (unsigned long long)d->capacity,
		       d->readonly ? ", read-only" : "");
	else
		printf(", MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u\n",
		       d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4],
		       d->mac[5], d->mtu);
	mem_reset();
	if (dev_setup(d, true, NULL)) {
		printf("hostile: %s: set-up failed: %s\n", d->name,
		       setup_error());
		return -1;
	}
	if (d->kind == BLK) {
		/* The reference: sector 0 as it is now. */
		struct blkreq r;
		uint32_t len = 0;

		blk_build(d, &r, BLK_T_IN, 0, 512, false);
		uint16_t id = submit(d, 0, &r.c);

		if (!wait_used(d, 0, id, &len, 3000)
		    || r.st.va[0] != BLK_S_OK) {
			printf("hostile: blk: the first read of sector 0 "
			       "failed\n");
			return -1;
		}
		memcpy(d->ref, r.data.va, 512);
	}
	if (known_good(d, why, sizeof(why))) {
		printf("hostile: %s: %s\n", d->name, why);
		return -1;
	}
	dev_reset(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "full";
	int mode = !strcmp(m, "quick") ? M_QUICK
		   : !strcmp(m, "ro")  ? M_RO
				       : M_FULL;

	only = argc > 2 ? argv[2] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, hung);
	if (only && !strcmp(only, "--list")) {
		only = NULL;
		list_only = true;
		devs[BLK].name = "blk";
		devs[NET].name = "net";
		goto run;
	}
	if (mem_init()) {
		printf("hostile: no locked, physically contiguous memory\n");
		return 1;
	}
	printf("hostile: mode %s, RAM ends at 0x%llx\n", m,
	       (unsigned long long)ram_top);
	for (int k = BLK; k <= NET; k++)
		if (pci_open(&devs[k], k) || start(&devs[k])) {
			printf("hostile: cannot use the virtio %s device\n",
			       k == BLK ? "blk" : "net");
			printf("hostile: 0 attacks: 0 passed, 1 failed\n");
			return 1;
		}
run:
	run_table(attacks_ring, n_attacks_ring, mode);
	run_table(attacks_queue, n_attacks_queue, mode);
	run_table(attacks_blk, n_attacks_blk, mode);
	run_table(attacks_net, n_attacks_net, mode);
	run_table(attacks_pci, n_attacks_pci, mode);
	printf("hostile: %d attacks: %d passed, %d failed\n", total, passed,
	       failed);
	fflush(stdout);
	return failed ? 1 : 0;
}
