#!/bin/bash
# ldap_schema.sh: contrib/ldap/relaymilter.ldif in a cn=config (OLC) slapd.
#   1. slapadd -n0 of a minimal cn=config that includes core, cosine,
#      inetorgperson and our relaymilter.ldif; sample.ldif loaded over LDAP;
#      searched, and `relaymilter -n -n` pointed at it;
#   2. the README's way: a running cn=config slapd without our schema,
#      `ldapadd -Y EXTERNAL -H ldapi:/// -f relaymilter.ldif`;
#   3. relaymilter.schema converted by slaptest says the same as the .ldif,
#      also after the README's sed that puts in another OID arc (PEN).
# Loopback and an ldapi socket in a private dir only; stopped by PID
# (lib_slapd.sh's cleanup stops every $TMP/NAME/pid).
. "$top_srcdir/tests/integ/lib_slapd.sh"

SLAPTEST=${SLAPTEST:-/usr/sbin/slaptest}
SCHEMA=/etc/ldap/schema
LDIF=$top_srcdir/contrib/ldap/relaymilter.ldif
SAMPLE=$top_srcdir/contrib/ldap/sample.ldif
RM=$top_builddir/relaymilter
ADMIN_DN="cn=admin,dc=example,dc=org"

ldapi_of() { echo "ldapi://$(printf %s "$TMP/$1/ldapi" | sed 's,/,%2F,g')"; }

# olc_init NAME [extra schema ldif...]: a cn=config directory built by slapadd -n0.
olc_init() {
	local name=$1 d=$TMP/$1 f
	shift
	mkdir -p "$d/slapd.d" "$d/db"
	{
		cat <<C
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $d/slapd.pid
olcArgsFile: $d/slapd.args

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://$SCHEMA/core.ldif

include: file://$SCHEMA/cosine.ldif

include: file://$SCHEMA/inetorgperson.ldif

C
		for f in "$@"; do printf 'include: file://%s\n\n' "$f"; done
		cat <<C
dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=$(id -g)+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=example,dc=org
olcRootDN: $ADMIN_DN
olcRootPW: secret
olcDbDirectory: $d/db
olcDbMaxSize: 16777216
olcAccess: {0}to attrs=userPassword by anonymous auth by * none
olcAccess: {1}to * by users read by * none
C
	} >"$d/config.ldif"
	"$SLAPADD" -n0 -F "$d/slapd.d" -l "$d/config.ldif" >"$d/slapadd.log" 2>&1
}

olc_start() {
	local d=$TMP/$1 i pid try
	for try in 1 2 3 4 5; do
		free_port >"$d/port"
		"$SLAPD" -d 0 -F "$d/slapd.d" -h "$(slapd_uri "$1")/ $(ldapi_of "$1")" \
			>>"$d/slapd.log" 2>&1 &
		pid=$!
		echo $pid >"$d/pid"
		for i in $(seq 1 100); do
			owns_port "$pid" "$(cat "$d/port")" &&
				ldapsearch -x -H "$(slapd_uri "$1")" -b "" -s base -o nettimeout=1 \
					>/dev/null 2>&1 && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null && wait_gone "$pid"
	done
	return 1
}

# The schema values of an LDIF or slapd.d file: unfolded, "{N}" dropped,
# white space collapsed, sorted.
schema_values() {
	sed -e ':a' -e '$!N; s/\n //; ta' -e 'P; D' "$1" |
		sed -n 's/^olc\(AttributeTypes\|ObjectClasses\): *\({[0-9]*}\)\?/\1 /p' |
		tr -s ' \t' ' ' | sed 's/ $//' | sort
}

# ---- 1. slapadd -n0 with our .ldif among the schemas
if olc_init a "$LDIF"; then
	ok "slapadd -n0 loads core, cosine, inetorgperson and relaymilter.ldif"
else
	not_ok "slapadd -n0 loads core, cosine, inetorgperson and relaymilter.ldif" \
		"$(cat "$TMP/a/slapadd.log")"
fi
ok_if "the schema entry is in slapd.d" \
	test -n "$(find "$TMP/a/slapd.d" -name 'cn={*}relaymilter.ldif')"
olc_start a || bail_out "cn=config slapd did not start: $(tail -5 "$TMP/a/slapd.log")"
ok "slapd starts from the slapd.d (slapd -F)"
out=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi_of a)" -o ldif_wrap=no -b cn=schema,cn=config \
	'(cn=*relaymilter)' olcObjectClasses olcAttributeTypes 2>&1)
like "cn=config shows relayDomain" "$out" "NAME 'relayDomain'"
like "cn=config shows relayClient" "$out" "NAME 'relayClient'"
like "cn=config shows relayClientNetwork" "$out" "NAME 'relayClientNetwork'"
like "cn=config shows relayMilterAccount (auxiliary)" "$out" "NAME 'relayMilterAccount'.* AUXILIARY"
for a in relayMilterSuspended relayMilterLimit relayMilterSender; do
	like "cn=config shows $a" "$out" "NAME '$a'"
done

out=$(ldapadd -x -H "$(slapd_uri a)" -D "$ADMIN_DN" -w secret -f "$SAMPLE" 2>&1)
is "sample.ldif loads over LDAP (ldapadd)" "$?" 0
is "... all 15 entries" "$(grep -c 'adding new entry' <<<"$out")" 15
search() { # search FILTER [ATTR]: values of ATTR (or DNs) as the service account
	ldapsearch -LLL -x -H "$(slapd_uri a)" -D "$SERVICE_DN" -w "$SERVICE_PW" \
		-b dc=example,dc=org "$1" "${2:-1.1}" 2>&1 |
		sed -n "s/^${2:-dn}: //p" | sort | tr '\n' ' ' | sed 's/ $//'
}
is "search: relay domains" "$(search '(objectClass=relayDomain)' associatedDomain)" \
	"example.net example.org lists.example.com"
is "search: the default domain filter finds one" \
	"$(search '(&(objectClass=domainRelatedObject)(associatedDomain=EXAMPLE.org))' associatedDomain)" \
	"example.org"
is "search: relay client networks" "$(search '(objectClass=relayClient)' relayClientNetwork)" \
	"198.51.100.0/24 2001:db8:100::/48 203.0.113.25"
is "search: relayClientNetwork equality is case-insensitive" \
	"$(search '(relayClientNetwork=2001:DB8:100::/48)' cn)" "office"
is "search: relayClientNetwork substring match" \
	"$(search '(relayClientNetwork=198.51.100.*)' cn)" "office"
out=$(ldapadd -x -H "$(slapd_uri a)" -D "$ADMIN_DN" -w secret 2>&1 <<'L'
dn: cn=nonet,ou=networks,dc=example,dc=org
objectClass: relayClient
cn: nonet
L
)
like "schema: relayClient without a network is refused" "$out" "Object class violation"

# The accounts (ou=people): what ldap.accounts' filters and attributes see.
is "search: the people" "$(search '(objectClass=inetOrgPerson)' uid)" "alice bob carol dave"
is "search: accounts with the auxiliary class" "$(search '(objectClass=relayMilterAccount)' uid)" \
	"alice carol dave"
is "search: uid=%u and mail=%s forms" \
	"$(search '(&(objectClass=inetOrgPerson)(|(uid=alice)(mail=alice@example.org)))' uid)" "alice"
is "search: the suspended account" "$(search '(relayMilterSuspended=TRUE)' uid)" "carol"
is "search: relayMilterSuspended=FALSE finds none" "$(search '(relayMilterSuspended=FALSE)' uid)" ""
is "search: alice's senders" "$(search '(uid=alice)' relayMilterSender)" \
	"@example.net alice.smith@example.org"
is "search: relayMilterSender equality is case-insensitive" \
	"$(search '(relayMilterSender=Alice.Smith@EXAMPLE.org)' uid)" "alice"
is "search: relayMilterSender substring match" "$(search '(relayMilterSender=*@example.net)' uid)" "alice"
is "search: accounts with a login-rcpt-hour override" \
	"$(search '(relayMilterLimit=login-rcpt-hour=*)' relayMilterLimit)" "login-rcpt-hour=10"
is "the sample passwords work (alice binds)" \
	"$(ldapwhoami -x -H "$(slapd_uri a)" -D uid=alice,ou=people,dc=example,dc=org -w alice-password 2>&1)" \
	"dn:uid=alice,ou=people,dc=example,dc=org"
acct_mod() { ldapmodify -x -H "$(slapd_uri a)" -D "$ADMIN_DN" -w secret 2>&1; }
out=$(acct_mod <<'L'
dn: uid=bob,ou=people,dc=example,dc=org
changetype: modify
add: relayMilterSuspended
relayMilterSuspended: TRUE
L
)
like "schema: relayMilterSuspended without the auxiliary class is refused" "$out" "Object class violation"
out=$(acct_mod <<'L'
dn: uid=carol,ou=people,dc=example,dc=org
changetype: modify
add: relayMilterSuspended
relayMilterSuspended: FALSE
L
)
like "schema: relayMilterSuspended is single-valued" "$out" "(single-value|multiple values)"
out=$(acct_mod <<'L'
dn: uid=dave,ou=people,dc=example,dc=org
changetype: modify
add: objectClass
objectClass: relayMilterAccount
-
add: relayMilterSuspended
relayMilterSuspended: yes
L
)
like "schema: relayMilterSuspended is a BOOLEAN (not \"yes\")" "$out" "invalid per syntax"
# The README's suspend and unsuspend, on carol: FALSE, then TRUE again.
out=$(acct_mod <<'L'
dn: uid=carol,ou=people,dc=example,dc=org
changetype: modify
replace: relayMilterSuspended
relayMilterSuspended: FALSE
L
)
is "unsuspend (replace: relayMilterSuspended FALSE)" "$(search '(relayMilterSuspended=FALSE)' uid)" "carol"
out=$(acct_mod <<'L'
dn: uid=carol,ou=people,dc=example,dc=org
changetype: modify
replace: relayMilterSuspended
relayMilterSuspended: TRUE
L
)
is "suspend again (replace: relayMilterSuspended TRUE)" "$(search '(relayMilterSuspended=TRUE)' uid)" "carol"
# The README's two LDIF blocks (suspend bob, unsuspend bob), as written.
readme_ldif() { # readme_ldif N: the Nth <<'LDIF' block of contrib/ldap/README.md
	awk -v n="$1" '/<<.LDIF.$/ { k++; on = (k == n); next } /^LDIF$/ { on = 0 } on' \
		"$top_srcdir/contrib/ldap/README.md"
}
like "README: the suspend LDIF is there" "$(readme_ldif 1)" "relayMilterSuspended: TRUE"
out=$(readme_ldif 1 | acct_mod)
is "README's suspend LDIF: bob suspended" "$(search '(relayMilterSuspended=TRUE)' uid)" "bob carol"
out=$(readme_ldif 1 | acct_mod)
like "... run again: Type or value exists" "$out" "Type or value exists"
out=$(readme_ldif 2 | acct_mod)
is "README's unsuspend LDIF: bob not suspended" "$(search '(relayMilterSuspended=FALSE)' uid)" "bob"

# relaymilter itself against this directory.
printf '%s\n' "$SERVICE_PW" >"$TMP/ldap.secret"
chmod 600 "$TMP/ldap.secret"
cat >"$TMP/rm.conf" <<CONF
socket = "unix:$TMP/rm.sock";
ldap = {
  uri = [ "$(slapd_uri a)" ];
  bind_dn = "$SERVICE_DN";
  bind_password_file = "$TMP/ldap.secret";
  timeout = 2.0;
  domains = { base = "ou=domains,dc=example,dc=org"; };
  networks = { base = "ou=networks,dc=example,dc=org"; };
};
log = { syslog = false; };
CONF
out=$("$RM" -n -n -c "$TMP/rm.conf" 2>&1)
is "relaymilter -n -n against the cn=config slapd: exit 0" "$?" 0
like "... domains counted" "$out" "domains: 3 entries"
like "... networks counted" "$out" "networks: 3 valid"

# ---- 2. the README's way: ldapadd -Y EXTERNAL into a running cn=config
olc_init b || bail_out "slapadd -n0 without our schema: $(cat "$TMP/b/slapadd.log")"
olc_start b || bail_out "second cn=config slapd did not start"
out=$(ldapadd -x -H "$(slapd_uri b)" -D "$ADMIN_DN" -w secret -f "$SAMPLE" 2>&1)
like "without our schema sample.ldif is refused" "$out" "(objectClass: value #0 invalid|invalid per syntax|undefined)"
out=$(ldapadd -Q -Y EXTERNAL -H "$(ldapi_of b)" -f "$LDIF" 2>&1)
is "ldapadd -Y EXTERNAL -H ldapi:/// -f relaymilter.ldif (README)" "$?" 0
out=$(ldapadd -c -x -H "$(slapd_uri b)" -D "$ADMIN_DN" -w secret -f "$SAMPLE" 2>&1)
like "... then sample.ldif loads" "$out" "adding new entry \"cn=webserver,ou=networks"
like "... with its people" "$out" "adding new entry \"uid=dave,ou=people"
n=$(ldapsearch -LLL -x -H "$(slapd_uri b)" -D "$ADMIN_DN" -w secret -b dc=example,dc=org \
	'(|(objectClass=relayDomain)(objectClass=relayClient))' 1.1 | grep -c '^dn:')
is "... and is searchable" "$n" 5

# ---- 3. relaymilter.schema and relaymilter.ldif define the same thing
# schema_agree DIR SCHEMA LDIF LABEL: slaptest converts SCHEMA, the result
# has the values of LDIF.
schema_agree() {
	mkdir -p "$1/slapd.d"
	cat >"$1/slapd.conf" <<C
include $SCHEMA/core.schema
include $SCHEMA/cosine.schema
include $2
C
	if "$SLAPTEST" -f "$1/slapd.conf" -F "$1/slapd.d" >"$1/log" 2>&1; then
		conv=$(find "$1/slapd.d" -name 'cn={*}relaymilter.ldif')
		is "$4" "$(schema_values "$conv")" "$(schema_values "$3")"
	else
		not_ok "slaptest converts $2" "$(cat "$1/log")"
	fi
}
schema_agree "$TMP/conv" "$top_srcdir/contrib/ldap/relaymilter.schema" "$LDIF" \
	"relaymilter.schema and relaymilter.ldif agree"
is "... on 4 attribute types and 3 object classes" \
	"$(schema_values "$LDIF" | cut -d' ' -f1 | uniq -c | awk '{ print $1, $2 }' | paste -sd,)" \
	"4 AttributeTypes,3 ObjectClasses"

# The README's PEN substitution (the one "sed -i" line naming the
# placeholder arc), run on copies of both files.
mkdir -p "$TMP/pen"
cp "$top_srcdir/contrib/ldap/relaymilter.schema" "$LDIF" "$TMP/pen/"
pen_sed=$(grep -m1 "^ *sed -i .*99999" "$top_srcdir/contrib/ldap/README.md")
ok_if "the README has the sed line for the PEN" test -n "$pen_sed"
(cd "$TMP/pen" && eval "$pen_sed")
is "after it no placeholder arc is left" \
	"$(grep -c '99999' "$TMP/pen/relaymilter.schema" "$TMP/pen/relaymilter.ldif")" \
	"$TMP/pen/relaymilter.schema:0
$TMP/pen/relaymilter.ldif:0"
is "... every OID is under the new arc (1.3.6.1.4.1.32473.42)" \
	"$(grep -o '( [0-9][0-9.]*' "$TMP/pen/relaymilter.schema" | grep -cv '^( 1\.3\.6\.1\.4\.1\.32473\.42\.[12]\.[0-9]*$')" 0
schema_agree "$TMP/pen" "$TMP/pen/relaymilter.schema" "$TMP/pen/relaymilter.ldif" \
	"... and the two files still agree"
if olc_init p "$TMP/pen/relaymilter.ldif"; then
	ok "... and slapadd -n0 loads the rewritten .ldif"
else
	not_ok "... and slapadd -n0 loads the rewritten .ldif" "$(cat "$TMP/p/slapadd.log")"
fi

done_testing
