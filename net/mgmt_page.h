/* The status page GET / serves: one self-contained HTML file
 * (net/mgmt_page.html, no external assets), built into the image as a C
 * array by the Makefile. */
#ifndef PLINTH_MGMT_PAGE_H
#define PLINTH_MGMT_PAGE_H

#include <stddef.h>

extern const char mgmt_page[];
extern const size_t mgmt_page_len;

#endif
