/* The split-ring driver model and queue set-up of the split virtqueue
 * tests; what each helper does is in virtq_split_fixture.h. */
#include "tests/support/virtq_split_fixture.h"

#include <stdio.h>
#include <string.h>

void sd_init(struct sdrv *d, struct fake_mem *m, uint16_t size, uint64_t desc,
	     uint64_t avail, uint64_t used)
{
	memset(d, 0, sizeof(*d));
	d->m = m;
	d->size = size;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
	if (size)
		fm_fill(m, desc, 0, 16ull * size);
	fm_fill(m, avail, 0, 6 + 2ull * size);
	fm_fill(m, used, 0, 6 + 8ull * size);
}

void sd_desc(struct sdrv *d, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next)
{
	uint8_t *p = fm_ptr(d->m, d->desc + 16ull * i, 16);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void sd_tentry(struct fake_mem *m, uint64_t table, uint16_t k, uint64_t addr,
	       uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = fm_ptr(m, table + 16ull * k, 16);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

uint16_t sd_chain_at(struct sdrv *d, const uint16_t *idx, const struct sbuf *b,
		     unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint16_t f = b[k].flags & (SF_WRITE | SF_INDIRECT);
		uint16_t next = 0;

		if (k + 1 < n) {
			f |= SF_NEXT;
			next = idx[k + 1];
		}
		sd_desc(d, idx[k], b[k].addr, b[k].len, f, next);
	}
	return idx[0];
}

uint16_t sd_chain(struct sdrv *d, uint16_t first, const struct sbuf *b,
		  unsigned n)
{
	uint16_t idx[VQ_MAX_SIZE];

	for (unsigned k = 0; k < n; k++)
		idx[k] = (uint16_t)((first + k) & (d->size - 1));
	return sd_chain_at(d, idx, b, n);
}

uint8_t *sd_avail_p(const struct sdrv *d, uint64_t off, uint64_t len)
{
	return fm_ptr(d->m, d->avail + off, len);
}

uint8_t *sd_used_p(const struct sdrv *d, uint64_t off, uint64_t len)
{
	return fm_ptr(d->m, d->used + off, len);
}

void sd_set_avail_idx(struct sdrv *d, uint16_t v)
{
	__atomic_store_n((uint16_t *)sd_avail_p(d, 2, 2), v, __ATOMIC_RELEASE);
}

void sd_add(struct sdrv *d, uint16_t head)
{
	memcpy(sd_avail_p(d, 4 + 2ull * (d->avail_idx & (d->size - 1)), 2),
	       &head, 2);
	d->avail_idx++;
}

void sd_publish(struct sdrv *d, uint16_t head)
{
	sd_add(d, head);
	sd_set_avail_idx(d, d->avail_idx);
}

uint16_t sd_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

uint32_t sd_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

void sd_wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

uint16_t sd_used_flags(const struct sdrv *d)
{
	return sd_rd16(sd_used_p(d, 0, 2));
}

uint16_t sd_used_idx(const struct sdrv *d)
{
	return __atomic_load_n((const uint16_t *)sd_used_p(d, 2, 2),
			       __ATOMIC_ACQUIRE);
}

void sd_used_elem(const struct sdrv *d, uint16_t k, uint32_t *id, uint32_t *len)
{
	const uint8_t *e = sd_used_p(d, 4 + 8ull * k, 8);

	if (id)
		*id = sd_rd32(e);
	if (len)
		*len = sd_rd32(e + 4);
}

uint16_t sd_avail_event(const struct sdrv *d)
{
	return sd_rd16(sd_used_p(d, 4 + 8ull * d->size, 2));
}

void sd_poke_avail_event(struct sdrv *d, uint16_t v)
{
	sd_wr16(sd_used_p(d, 4 + 8ull * d->size, 2), v);
}

void sd_set_used_event(struct sdrv *d, uint16_t v)
{
	sd_wr16(sd_avail_p(d, 4 + 2ull * d->size, 2), v);
}

void sd_set_avail_flags(struct sdrv *d, uint16_t v)
{
	sd_wr16(sd_avail_p(d, 0, 2), v);
}

bool sd_get_used(struct sdrv *d, uint32_t *id, uint32_t *len)
{
	if (sd_used_idx(d) == d->last_used)
		return false;
	sd_used_elem(d, d->last_used & (d->size - 1), id, len);
	d->last_used++;
	return true;
}

void sd_start_at(struct sdrv *d, struct virtq *q, uint16_t v)
{
	d->avail_idx = d->last_used = v;
	sd_set_avail_idx(d, v);
	sd_wr16(sd_used_p(d, 2, 2), v);
	q->next_avail = q->next_used = v;
}

struct fake_mem M;
struct virtq Q;
struct sdrv D;
struct vq_chain C;

int program(uint16_t size, bool indirect, bool event_idx)
{
	return vqt_enable(&Q, &M, size, DESC, AVAIL, USED, true, indirect,
			  event_idx);
}

int setup(uint16_t size, bool indirect, bool event_idx)
{
	fm_free(&M);
	fm_init(&M, FM_RAM_SIZE);
	logstub_clear();
	sd_init(&D, &M, size, DESC, AVAIL, USED);
	vqt_fresh(&Q, "sq");
	memset(&C, 0, sizeof(C));
	return program(size, indirect, event_idx);
}

int serve(uint32_t len)
{
	int r = vq_pop(&Q, &C);

	if (r == 1)
		vq_push(&Q, C.id, C.ndesc, len);
	return r;
}

bool round_trip(void)
{
	uint16_t head = D.avail_idx & (D.size - 1);
	struct sbuf b = { BUF, 8, SF_WRITE };
	uint32_t id = 0xffffffff, len = 0;

	sd_chain(&D, head, &b, 1);
	sd_publish(&D, head);
	if (serve(8) != 1 || C.bad)
		return false;
	return sd_get_used(&D, &id, &len) && id == head && len == 8;
}

bool popped_bad(uint16_t head, const char *why)
{
	uint16_t before = Q.next_avail;

	if (vq_pop(&Q, &C) != 1) {
		printf("#   vq_pop did not return a chain\n");
		return false;
	}
	if (!C.bad || (why && !strstr(C.bad, why))) {
		printf("#   bad: %s, wanted %s\n", C.bad ? C.bad : "(null)",
		       why ? why : "(any)");
		return false;
	}
	return C.id == head && !Q.stalled
	       && Q.next_avail == (uint16_t)(before + 1);
}

bool stalled_for_good(void)
{
	bool ok = Q.stalled && logstub_has("stalled") && sd_used_idx(&D) == 0
		  && !vq_avail(&Q);

	/* Even with a good chain behind it. */
	for (int k = 0; k < 3; k++)
		ok = ok && vq_pop(&Q, &C) == -1;
	return ok;
}
