/* IDENTIFY DEVICE and TRIM ranges (see ata.h): ATA's own formats, apart
 * from the AHCI engine that carries them. */
#include "drivers/ata.h"

#include <string.h>

#include "hv/base/byteorder.h"

static uint16_t word(const uint8_t *id, unsigned w)
{
	return get_le16(id + 2 * w);
}

/* IDENTIFY strings are byte-swapped words (ACS-3, 7.12.7). */
static void ata_string(const uint8_t *id, unsigned w, unsigned words, char *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < words; i++) {
		out[n++] = (char)id[2 * (w + i) + 1];
		out[n++] = (char)id[2 * (w + i)];
	}
	out[n] = 0;
	for (unsigned i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20
		    || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	while (n && out[n - 1] == ' ')
		out[--n] = 0;
}

static void say(char *err, unsigned errlen, const char *what)
{
	if (errlen) {
		strncpy(err, what, errlen - 1);
		err[errlen - 1] = 0;
	}
}

int ata_parse_identify(const uint8_t id[512], struct ata_identity *o, char *err,
		       unsigned errlen)
{
	uint16_t w76 = word(id, 76), w106 = word(id, 106);

	memset(o, 0, sizeof(*o));
	ata_string(id, 27, 20, o->model);
	ata_string(id, 10, 10, o->serial);
	/* Word 83 bit 10: 48-bit addressing; 100-103 its capacity. */
	if (!(word(id, 83) & (1u << 10))) {
		say(err, errlen, "the disk has no 48-bit LBA");
		return -1;
	}
	for (int i = 3; i >= 0; i--)
		o->sectors = o->sectors << 16 | word(id, 100 + (unsigned)i);
	if (!o->sectors || o->sectors >> 48) {
		say(err, errlen, "the disk reports a nonsense capacity");
		return -1;
	}
	/* Word 106 (valid when bits 15:14 are 01): bit 12 says logical
	 * sectors are longer than 256 words, words 117-118 how long. */
	if ((w106 & 0xc000) == 0x4000 && (w106 & (1u << 12))
	    && (word(id, 117) | (uint32_t)word(id, 118) << 16) != 256) {
		say(err, errlen,
		    "the disk's logical sectors are not 512 "
		    "bytes, which Plinth does not handle");
		return -1;
	}
	/* Word 76 bit 8: NCQ, with word 75 bits 4:0 the depth less one; a
	 * word of all ones or zeros is "not reported". */
	if (w76 != 0xffff && (w76 & (1u << 8)))
		o->ncq_depth = (word(id, 75) & 0x1f) + 1u;
	/* Word 169 bit 0: TRIM; word 105: range blocks per command. */
	if (word(id, 169) & 1) {
		unsigned b = word(id, 105);

		o->trim = true;
		o->trim_blocks = !b || b == 0xffff    ? 1
				 : b > ATA_DSM_BLOCKS ? ATA_DSM_BLOCKS
						      : b;
	}
	return 0;
}

uint64_t ata_trim_ranges(uint8_t *buf, unsigned blocks, uint64_t lba,
			 uint64_t n)
{
	uint64_t done = 0;
	unsigned max = blocks * ATA_TRIM_ENTRIES;

	memset(buf, 0, (size_t)blocks * 512);
	for (unsigned i = 0; i < max && done < n; i++) {
		uint64_t k = n - done < ATA_TRIM_MAX ? n - done : ATA_TRIM_MAX;

		put_le64(buf + 8 * i,
			 ((lba + done) & 0xffffffffffffull) | k << 48);
		done += k;
	}
	return done;
}
