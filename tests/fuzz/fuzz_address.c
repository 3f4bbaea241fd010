/*
 * fuzz_address: libFuzzer target for lib/address.c. Parses every input in
 * both roles and as a config domain, and aborts when an invariant breaks:
 * a parsed address has a domain unless it is the null sender or a bare
 * postmaster; a domain is lower case, has no trailing dot and normalises to
 * itself; a refused input leaves a zeroed struct and a reason.
 * Build (not wired into make): clang -g -fsanitize=fuzzer,address,undefined
 * -I. -I$builddir tests/fuzz/fuzz_address.c lib/address.c lib/(*).c -lidn2
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_domain(const char *d)
{
	const char *err = NULL;
	size_t len = strlen(d), i;
	char *again;

	check(len > 0 && d[len - 1] != '.');
	for (i = 0; i < len; i++)
		check(!(d[i] >= 'A' && d[i] <= 'Z'));
	/* The canonical form is a fixed point of normalisation. */
	again = address_normalize_domain(d, &err);
	check(again != NULL && strcmp(again, d) == 0);
	free(again);
}

static void check_parse(const char *text, enum address_role role)
{
	struct address a, zero;
	const char *err = NULL;

	memset(&zero, 0, sizeof(zero));
	if (address_parse(text, role, &a, &err) < 0) {
		check(err != NULL && memcmp(&a, &zero, sizeof(a)) == 0);
		return;
	}
	check(a.local != NULL);
	check(a.routed == (a.routing != NULL));
	check(!a.is_null || role == ADDRESS_SENDER);
	check(!a.is_postmaster || role == ADDRESS_RECIPIENT);
	if (a.domain == NULL)
		check(a.is_null || a.is_postmaster);
	else
		check_domain(a.domain);
	check(a.is_literal == (a.domain != NULL && a.domain[0] == '['));
	check(strlen(a.local) <= 64);
	address_clear(&a);
	check(memcmp(&a, &zero, sizeof(a)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *err = NULL;
	char *norm;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_parse(text, ADDRESS_SENDER);
	check_parse(text, ADDRESS_RECIPIENT);
	norm = address_normalize_domain(text, &err);
	if (norm != NULL)
		check_domain(norm);
	else
		check(err != NULL);
	free(norm);
	free(text);
	return 0;
}
