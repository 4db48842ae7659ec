#include "hv/base/guid.h"

static int hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int guid_parse(const char *s, uint8_t out[16])
{
	/* Text order of the 16 bytes: fields 1-3 are stored reversed. */
	static const uint8_t pos[16] = { 3, 2, 1,  0,  5,  4,  7,  6,
					 8, 9, 10, 11, 12, 13, 14, 15 };
	unsigned k = 0;

	for (unsigned i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		int h = hex(s[i]), l = h < 0 ? -1 : hex(s[i + 1]);

		if (l < 0)
			return -1;
		out[pos[k++]] = (uint8_t)(h << 4 | l);
		i++;
	}
	return s[36] ? -1 : 0;
}
