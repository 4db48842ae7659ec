/* memcpy, memmove and memset for the whole image.  libefi and newlib both
 * define them; libefi's (which the link would otherwise pick, see the
 * Makefile) copies a byte per loop iteration, and loading a 64 MiB kernel
 * took seconds under Bochs.  REP MOVSB/STOSB is the fast-string path on
 * every CPU Plinth runs on (ERMSB since Ivy Bridge). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb"
			 : "+D"(d), "+S"(src), "+c"(n)
			 :
			 : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		return memcpy(dst, src, n); /* no harmful overlap */
	/* Overlapping with dst above src: copy backwards (DF=1), then put
	 * the direction flag back as the ABI requires. */
	const char *s = (const char *)src + n - 1;
	char *d = (char *)dst + n - 1;

	__asm__ volatile("std; rep movsb; cld"
			 : "+D"(d), "+S"(s), "+c"(n)
			 :
			 : "memory");
	return dst;
}
