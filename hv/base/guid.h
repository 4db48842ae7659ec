/* GUIDs as people write them and as UEFI stores them. */
#ifndef PLINTH_GUID_H
#define PLINTH_GUID_H

#include <stdint.h>

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into the on-disk byte order
 * (the first three fields little-endian, UEFI 2.10 appendix A); -1 when
 * malformed. */
int guid_parse(const char *s, uint8_t out[16]);

#endif
