#!/bin/sh
# gen_domains.sh N: an LDIF of N domain entries under ou=domains,dc=example,dc=org
# on stdout, shaped as contrib/ldap/sample.ldif's (relayDomain +
# domainRelatedObject), named d000001.bench.example ... (at least six
# digits, more when N needs them). For slapadd onto the sample tree.
n=${1:?usage: gen_domains.sh N}
case $n in *[!0-9]* | "") echo "gen_domains.sh: N must be a number" >&2; exit 2 ;; esac
exec awk -v n="$n" 'BEGIN {
	w = length(n "") > 6 ? length(n "") : 6
	for (i = 1; i <= n; i++) {
		d = sprintf("d%0" w "d.bench.example", i)
		printf "dn: associatedDomain=%s,ou=domains,dc=example,dc=org\nobjectClass: relayDomain\nobjectClass: domainRelatedObject\nassociatedDomain: %s\n\n", d, d
	}
}'
