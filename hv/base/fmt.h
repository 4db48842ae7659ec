/* Small printf-style formatter.
 *
 * Used wherever newlib's stdio is unsafe: before the heap exists, inside
 * exception handlers, and in code shared with boot/ (which must not see
 * newlib headers).  Supports %c %s %d %i %u %x %X %p %% with the flags
 * '-' and '0', a field width, a precision for %s (also '*'), and the length
 * modifiers l, ll, z, h, hh.  Output is always NUL-terminated when size > 0.
 */
#ifndef PLINTH_FMT_H
#define PLINTH_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the length the full output would have had (like vsnprintf). */
size_t fmt_v(char *buf, size_t size, const char *f, va_list ap);
size_t fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* In a variadic function whose last named parameter is the format `last`:
 * fmt_v of its arguments into the array buf; the value is fmt_v's. */
#define FMT_ARGS(buf, last)                                                    \
	({                                                                     \
		va_list ap_;                                                   \
		va_start(ap_, last);                                           \
		size_t n_ = fmt_v(buf, sizeof(buf), last, ap_);                \
		va_end(ap_);                                                   \
		n_;                                                            \
	})

/* Appends " xx" for each of `count` bytes to the text of length `at`
 * already in buf (as fmt left it); returns the length the whole text
 * would have had.  For messages that show instruction bytes. */
size_t fmt_bytes(char *buf, size_t size, size_t at, const uint8_t *b,
		 size_t count);

#endif
