#!/bin/sh
# gen_people.sh N: an LDIF of N SMTP AUTH accounts under
# ou=people,dc=example,dc=org on stdout, shaped as contrib/ldap/sample.ldif's
# bob (a plain inetOrgPerson: owns its own address only, not suspended):
# uid=u0 ... uid=u(N-1), mail u<n>@example.org, the numbers loadgen's "{s}"
# draws with -r N. For slapadd onto the sample tree (which has ou=people).
n=${1:?usage: gen_people.sh N}
case $n in *[!0-9]* | "") echo "gen_people.sh: N must be a number" >&2; exit 2 ;; esac
exec awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "dn: uid=u%d,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: u%d\ncn: User %d\nsn: %d\nmail: u%d@example.org\n\n", i, i, i, i, i
}'
