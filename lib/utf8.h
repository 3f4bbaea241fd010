/*
 * utf8: the one UTF-8 validator (addresses refuse what it refuses, the log
 * escapers hex-escape it). Well-formed means RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF; the C1 controls U+0080..U+009F are
 * refused too, as control characters a log viewer or terminal may act on.
 */
#ifndef RM_UTF8_H
#define RM_UTF8_H

#include <stddef.h>

/* Length (1 to 4) of the character at S, which has at most LEFT bytes, or
 * 0 if it is not well-formed UTF-8 or is a C1 control. An ASCII byte
 * (controls included: their policy is the caller's) is 1. For a
 * NUL-terminated S, LEFT may be SIZE_MAX: a truncated sequence stops at
 * the NUL, which is never a continuation byte. */
size_t utf8_char_len(const unsigned char *s, size_t left);

#endif
