/*
 * negotiate: what relaymilter asks of the MTA at option negotiation (the
 * protocol steps it skips, the replies it does not send, the macros it
 * reads). Shared with the benchmark's null milter, so the comparison of the
 * two is fair by construction.
 */
#ifndef RM_NEGOTIATE_H
#define RM_NEGOTIATE_H

#include <libmilter/mfapi.h>
#include <stdbool.h>

/* Fill the xxfi_negotiate answers *PF0..*PF3 from the MTA's offer F0/F1 and
 * request our macros; *NR_CONN_R / *NR_HELO_R tell whether connect and helo
 * must answer SMFIS_NOREPLY. */
void negotiate_answer(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                      unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
                      unsigned long *pf3, bool *nr_conn_r, bool *nr_helo_r);

#endif
