/*
 * negotiate: relaymilter's option negotiation. Entry point: negotiate_answer.
 * Only steps and flags the MTA offered are taken (libmilter fails the
 * negotiation otherwise).
 */
#include "config.h"

#include "milter/negotiate.h"

void negotiate_answer(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                      unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
                      unsigned long *pf3, bool *nr_conn_r, bool *nr_helo_r)
{
	/* Headers and body are none of our business. */
	const unsigned long skip =
	    SMFIP_NOHDRS | SMFIP_NOBODY | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA;

	*pf0 = 0;
	*pf1 = f1 & (skip | SMFIP_NR_CONN | SMFIP_NR_HELO);
	*pf2 = *pf3 = 0;
	*nr_conn_r = (*pf1 & SMFIP_NR_CONN) != 0;
	*nr_helo_r = (*pf1 & SMFIP_NR_HELO) != 0;
	/* Rate limits with action hold put messages on hold. */
	if (f0 & SMFIF_QUARANTINE)
		*pf0 |= SMFIF_QUARANTINE;
	if (f0 & SMFIF_SETSYMLIST) {
		/* Ask for what we read, whatever the MTA's defaults. */
		*pf0 |= SMFIF_SETSYMLIST;
		smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name} {client_name} _");
		smfi_setsymlist(ctx, SMFIM_HELO, "{tls_version} {cipher}");
		smfi_setsymlist(
		    ctx, SMFIM_ENVFROM,
		    "i {auth_authen} {auth_type} {tls_version} {daemon_name}");
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i {rcpt_addr}");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
}
