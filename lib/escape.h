/*
 * escape: make untrusted text safe for a log line or a JSON string. Nothing
 * that came from the network reaches a log unescaped: a CR/LF in an address
 * must never forge a second log line.
 */
#ifndef RM_ESCAPE_H
#define RM_ESCAPE_H

#include <stdbool.h>

#include "lib/strbuf.h"

/*
 * Append S for a key=value log line: control characters, DEL, bytes >= 0x80
 * that are not valid UTF-8, backslash and double quote become \xHH (or \\,
 * \"). When the value is empty or has a space, '"' or '=', it is quoted.
 * A NULL or empty S is written as "-".
 */
void escape_log_value(struct strbuf *out, const char *s);
/* Append S as the body of a JSON string (no quotes added); NULL as empty. */
void escape_json(struct strbuf *out, const char *s);
/* Append one JSON object member "KEY":"VALUE" (VALUE escaped; NULL is
 * null), preceded by a comma unless OUT is empty or ends with '{' or '['.
 * KEY is ours and written as it is. */
void escape_json_member(struct strbuf *out, const char *key, const char *value);
/* Append LEN raw bytes (may hold NUL) with every unsafe byte as \xHH. */
void escape_bytes(struct strbuf *out, const char *s, size_t len);

#endif
