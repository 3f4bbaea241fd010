/*
 * utf8: validation of one UTF-8 character (lib/utf8.h). Table-free: the
 * lead byte fixes the length and the allowed range of the second byte,
 * which is where overlong forms, surrogates, values past U+10FFFF and the
 * C1 controls are told apart (RFC 3629, section 4).
 */
#include "config.h"

#include "lib/utf8.h"

size_t utf8_char_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (left == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		if (s[0] == 0xC2)
			lo = 0xA0; /* U+0080..U+009F are C1 controls */
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		if (s[0] == 0xE0)
			lo = 0xA0; /* overlong */
		else if (s[0] == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		if (s[0] == 0xF0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		return 0;
	}
	if (n > left || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}
