/*
 * tap: run a Check suite and report every test (every table row of a loop
 * test) as one TAP line on stdout, for automake's tap-driver.
 */
#ifndef RM_TEST_TAP_H
#define RM_TEST_TAP_H

#include <check.h>
#include <stdlib.h>

/* Run S, print TAP, return the process exit status. */
static inline int tap_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Number of rows of a static table. */
#define N_ROWS(t) ((int)(sizeof(t) / sizeof((t)[0])))

#endif
