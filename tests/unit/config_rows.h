/*
 * config_rows: the rows of test_config. A row is a config text and either
 * the value one key must then have (KEY, VALUE, as test_config formats it)
 * or the error substrings ('|'-separated, each with its ":LINE:") that the
 * load must report, optionally with the exact number of errors.
 */
#ifndef RM_TEST_CONFIG_ROWS_H
#define RM_TEST_CONFIG_ROWS_H

/* Rows leave trailing fields out: they are NULL or 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct row {
	const char *text;
	const char *expect; /* NULL: loads */
	const char *key;    /* when it loads: the key to inspect, or NULL */
	const char *value;
	int n_errors; /* when it fails: exact count, 0 for any */
};

/* A minimal ldap group body, on one line. */
#define LDAP_MIN                                                                         \
	"uri = \"ldap://127.0.0.1\"; domains = { base = \"dc=example,dc=org\"; }; "
#define LDAP(body) "ldap = { " LDAP_MIN body " };\n"

static const struct row rows[] = {
    /* top-level keys: values */
    {"", NULL, "socket_mode", "0660"},
    {"socket = \"unix:/var/spool/postfix/rm.sock\";", NULL, "socket",
     "unix:/var/spool/postfix/rm.sock"},
    {"socket = \"local:/run/rm.sock\";", NULL, "socket", "local:/run/rm.sock"},
    {"socket = \"inet:8894@127.0.0.1\";", NULL, "socket", "inet:8894@127.0.0.1"},
    {"socket = \"inet:8894@localhost\";", NULL, "socket", "inet:8894@localhost"},
    {"socket = \"inet6:8894@[::1]\";", NULL, "socket", "inet6:8894@[::1]"},
    {"socket = \"inet6:8894@::1\";", NULL, "socket", "inet6:8894@::1"},
    {"socket = \"inet:65535@127.0.0.1\";", NULL, "socket", "inet:65535@127.0.0.1"},
    {"socket_mode = \"0600\";", NULL, "socket_mode", "0600"},
    {"socket_mode = \"777\";", NULL, "socket_mode", "0777"},
    {"user = \"\";", NULL, "user", "(null)"},
    {"user = \"postfix\";", NULL, "user", "postfix"},
    {"group = \"mail\";", NULL, "group", "mail"},
    {"pidfile = \"/run/relaymilter/relaymilter.pid\";", NULL, "pidfile",
     "/run/relaymilter/relaymilter.pid"},
    {"pidfile = \"\";", NULL, "pidfile", "(null)"},
    {"mode = \"report\";", NULL, "mode", "report"},
    {"mode = \"enforce\";", NULL, "mode", "enforce"},

    /* top-level keys: bad values */
    {"socket = \"/run/rm.sock\";", ":1: 'socket': must be unix:/path, inet:PORT@HOST"},
    {"socket = \"unix:run/rm.sock\";",
     ":1: 'socket': a unix socket needs an absolute path"},
    {"socket = \"inet:0@127.0.0.1\";",
     ":1: 'socket': the port must be between 1 and 65535"},
    {"socket = \"inet:65536@127.0.0.1\";", ":1: 'socket': the port must be between 1"},
    {"socket = \"inet:x@127.0.0.1\";", ":1: 'socket': the port must be a decimal number"},
    {"socket = \"inet:8894\";", ":1: 'socket': name the address to listen on"},
    {"socket = \"inet:8894@\";", "'socket': host \"\": missing"},
    {"socket = \"inet:8894@127.0.0.256\";", "host \"127.0.0.256\": not an IPv4 address"},
    {"socket = \"inet:8894@[::1]\";",
     "host \"[::1]\": an IPv6 address needs inet6:PORT@[ADDRESS]"},
    {"socket = \"inet:8894@::1\";", "an IPv6 address needs inet6:PORT@[ADDRESS]"},
    {"socket = \"inet6:8894@[::1\";", "lacks its ']'"},
    {"socket = \"inet6:8894@[192.0.2.1]\";", "not an IPv6 address inside the brackets"},
    {"socket = \"inet:8894@bad_host\";", "not a host name or address"},
    {"\nsocket = \"unix:/"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\";",
     ":2: 'socket': the unix socket path is too long"},
    {"socket_mode = 0660;",
     ":1: 'socket_mode' must be a string, not an integer; write it quoted"},
    {"socket_mode = \"0990\";", ":1: 'socket_mode': \"0990\" is not an octal mode"},
    {"socket_mode = \"01777\";", ":1: 'socket_mode': \"01777\" is not an octal mode"},
    {"socket_mode = \"1777\";", ":1: 'socket_mode': \"1777\" is beyond 0777"},
    {"socket_mode = \"\";", "is not an octal mode"},
    {"user = \"root:root\";", ":1: 'user': not a valid user or group name"},
    {"user = 0;", ":1: 'user' must be a string, not an integer"},
    {"group = \"-x\";", ":1: 'group': not a valid user or group name"},
    {"pidfile = \"relaymilter.pid\";", ":1: 'pidfile': must be an absolute path"},
    {"mode = \"audit\";", ":1: 'mode': \"audit\" is not one of \"enforce\", \"report\""},
    {"mode = true;", ":1: 'mode' must be a string, not a boolean"},

    /* policy: values */
    {"policy = { local_domains = [ \"Example.ORG.\", \"b\xc3\xbc"
     "cher.example\" ]; };",
     NULL, "policy.local_domains", "example.org,xn--bcher-kva.example"},
    {"policy = { local_domains = \"example.net\"; };", NULL, "policy.local_domains",
     "example.net"},
    {"policy = { local_domains = [ ]; };", NULL, "policy.local_domains", ""},
    {"policy = { local_domains = ( \"a.example\", \"b.example\" ); };", NULL,
     "policy.local_domains", "a.example,b.example"},
    {"policy = { match_subdomains = true; };", NULL, "policy.match_subdomains", "true"},
    {"policy = { allow_networks = [ \"192.0.2.0/24\", \"2001:db8::/32\", "
     "\"198.51.100.7\" ]; };",
     NULL, "policy.allow_networks", "192.0.2.0/24,2001:db8::/32,198.51.100.7"},
    {"policy = { allow_networks = [ \"192.0.2.0/24\", \"2001:db8::/32\" ]; };", NULL,
     "policy.allow_networks.count", "2"},
    {"policy = { allow_networks = [ ]; };", NULL, "policy.allow_networks.count", "0"},
    {"", NULL, "policy.allow_networks.count", "2"},
    {"policy = { allow_authenticated = false; };", NULL, "policy.allow_authenticated",
     "false"},
    {"policy = { unauth_local_sender = \"reject\"; };", NULL,
     "policy.unauth_local_sender", "reject"},
    {"policy = { unauth_local_sender = \"accept\"; };", NULL,
     "policy.unauth_local_sender", "accept"},
    {"policy = { on_lookup_error = \"reject\"; };", NULL, "policy.on_lookup_error",
     "reject"},
    {"policy = { listeners = ( { name = \"submission\"; require_auth = true;\n"
     " require_tls_auth = true; }, { name = \"smtp\"; } ); };",
     NULL, "policy.listeners", "submission:1:1,smtp:0:0"},
    {"policy = { listeners = [ ]; };", NULL, "policy.listeners", ""},
    {"policy = { listeners = ( ); };", NULL, "policy.listeners", ""},
    {"policy = { replies = { relay_denied = \"Relaying denied for %{client_addr}\"; }; "
     "};",
     NULL, "policy.replies.relay_denied", "Relaying denied for %{client_addr}"},
    {"policy = { replies = { tls_required = \"Use STARTTLS, 100% needed\"; }; };", NULL,
     "policy.replies.tls_required", "Use STARTTLS, 100% needed"},

    /* policy: bad values, with the line of the offending element */
    {"policy = {\n local_domains = [\n  \"ok.example\",\n  \"bad..example\" ];\n};",
     ":4: 'policy.local_domains': \"bad..example\""},
    {"policy = { local_domains = [ \"a.example\",\n \"A.example.\" ]; };",
     ":2: 'policy.local_domains': \"A.example.\" is listed twice"},
    {"policy = { local_domains = [ \"\" ]; };", ":1: 'policy.local_domains': \"\""},
    {"policy = { local_domains = [ \"192.0.2.1\" ]; };", "'policy.local_domains'"},
    {"policy = { local_domains = ( \"a.example\", 3 ); };",
     ":1: 'policy.local_domains' must be a list of strings; item 2 is an integer"},
    {"policy = { local_domains = true; };",
     ":1: 'policy.local_domains' must be a list of strings, not a boolean"},
    {"policy = {\n allow_networks = [\n \"192.0.2.1/24\" ]; };",
     ":3: 'policy.allow_networks': \"192.0.2.1/24\": host bits set"},
    {"policy = { allow_networks = [ \"0.0.0.0/0\" ]; };",
     ":1: 'policy.allow_networks': "
     "\"0.0.0.0/0\": matches every address"},
    {"policy = { allow_networks = [ \"::/0\" ]; };", "\"::/0\": matches every address"},
    {"policy = { allow_networks = [ \"10.1\" ]; };",
     ":1: 'policy.allow_networks': \"10.1\""},
    {"policy = { allow_networks = [ \"010.0.0.1\" ]; };", "\"010.0.0.1\""},
    {"policy = { allow_networks = [ \"10.0.0.0/33\" ]; };",
     "\"10.0.0.0/33\": prefix length"},
    {"policy = { allow_networks = [ \"10.0.0.0/\" ]; };", "\"10.0.0.0/\": prefix length"},
    {"policy = { allow_networks = [ \"localhost\" ]; };", "\"localhost\": not an IPv4"},
    {"policy = { allow_networks = [ \"127.0.0.0/8\",\n \"10.0.0.1/8\",\n "
     "\"192.0.2.0/24\",\n"
     " \"192.0.2.1/24\" ]; };",
     ":2: 'policy.allow_networks': \"10.0.0.1/8\"|:4: 'policy.allow_networks': "
     "\"192.0.2.1/24\"",
     NULL, NULL, 2},
    {"policy = { match_subdomains = \"yes\"; };",
     ":1: 'policy.match_subdomains' must be a boolean, not a string"},
    {"policy = { allow_authenticated = 1; };",
     ":1: 'policy.allow_authenticated' must be a boolean, not an integer"},
    {"policy = { unauth_local_sender = \"drop\"; };",
     "\"drop\" is not one of \"accept\", \"log\", \"reject\""},
    {"policy = { on_lookup_error = \"accept\"; };",
     ":1: 'policy.on_lookup_error': \"accept\" is refused: a directory outage"},
    {"policy = { on_lookup_error = \"defer\"; };",
     "is not one of \"tempfail\", \"reject\""},
    {"policy = { listeners = ( { require_auth = true; } ); };",
     ":1: 'policy.listeners' needs 'name'"},
    {"policy = { listeners = (\n { name = \"a\"; },\n { name = \"a\"; } ); };",
     ":3: 'policy.listeners.name': \"a\" is used twice"},
    {"policy = { listeners = ( { name = \"\"; } ); };",
     "'policy.listeners.name': must not be"},
    {"policy = { listeners = ( { name = \"a\";\n requires_auth = true; } ); };",
     ":2: unknown key 'policy.listeners.requires_auth' (did you mean "
     "'policy.listeners.require_auth'?)"},
    {"policy = { listeners = ( \"submission\" ); };",
     ":1: 'policy.listeners' must be a list of groups; item 1 is a string"},
    {"policy = { listeners = { name = \"a\"; }; };",
     ":1: 'policy.listeners' must be a list of groups, not a group"},
    {"policy = { listeners = ( { name = \"a\"; require_tls_auth = \"yes\"; } ); };",
     "'policy.listeners.require_tls_auth' must be a boolean, not a string"},
    {"policy = { replies = { relay_denied = \"\"; }; };",
     "'policy.replies.relay_denied': "
     "must not be empty"},
    {"policy = { replies = { bad_sender = \"two\\nlines\"; }; };",
     ":1: 'policy.replies.bad_sender': must be one line (no CR or LF)"},
    {"policy = { replies = { bad_sender = \"cr\\r\"; }; };", "must be one line"},
    {"policy = { replies = { lookup_error = \"tab\\there\"; }; };",
     "must be printable ASCII"},
    {"policy = { replies = { auth_required = \"Log in %{user}\"; }; };",
     "unknown expansion %{user}"},
    {"policy = { replies = { auth_required = \"Log in %{auth\"; }; };",
     "a %{ lacks its closing }"},
    {"policy = { replies = { relay_denied = \""
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "x\"; }; };",
     ":1: 'policy.replies.relay_denied': longer than 400 characters"},
    {"policy = { replies = { relay_denied = \""
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "01234567890123456789012345678901234567890123456789012345678901234567890123456789012"
     "34567890123456789"
     "\"; }; };",
     NULL, NULL, NULL},
    {"policy = { replies = { relay_refused = \"No\"; }; };",
     "unknown key 'policy.replies.relay_refused' (did you mean "
     "'policy.replies.relay_denied'?)"},
    {"policy = \"strict\";", ":1: 'policy' must be a group, not a string"},

    /* ldap: values */
    {LDAP(""), NULL, "ldap.enabled", "true"},
    {"", NULL, "ldap.enabled", "false"},
    {LDAP(""), NULL, "ldap.uri", "ldap://127.0.0.1"},
    {"ldap = { uri = [ \"ldap://a.example:389\", \"ldaps://b.example\", "
     "\"ldapi://%2Frun%2Fslapd%2Fldapi\" ]; domains = { base = \"o=x\"; }; };",
     NULL, "ldap.uri",
     "ldap://a.example:389,ldaps://b.example,ldapi://%2Frun%2Fslapd%2Fldapi"},
    {LDAP("bind_dn = \"cn=rm,dc=example,dc=org\"; bind_password_file = \"@TMP@/pw600\";"),
     NULL, "ldap.bind_password", "s3cret"},
    {LDAP("bind_dn = \"cn=rm,dc=example,dc=org\"; bind_password_file = \"@TMP@/pw400\";"),
     NULL, "ldap.bind_password", "s3cret"},
    {LDAP(
         "bind_dn = \"cn=rm,dc=example,dc=org\"; bind_password_file = \"@TMP@/pwcrlf\";"),
     NULL, "ldap.bind_password", "s3cret"},
    {LDAP("bind_dn = \"\"; bind_password_file = \"\";"), NULL, "ldap.bind_dn", "(null)"},
    {LDAP("starttls = true;"), NULL, "ldap.starttls", "true"},
    {LDAP("tls_ca_file = \"@TMP@/ca.pem\";"), NULL, NULL, NULL},
    {LDAP("timeout = 5;"), NULL, "ldap.timeout", "5"},
    {LDAP("timeout = 0.5; budget = 0.5;"), NULL, "ldap.budget", "0.5"},
    {LDAP("timeout = 9; budget = 9;"), NULL, "ldap.timeout", "9"},
    {LDAP("pool_size = 64;"), NULL, "ldap.pool_size", "64"},
    {LDAP("domains = { base = \"ou=domains,dc=example,dc=org\"; scope = \"one\"; };")
     /* LDAP_MIN already has domains: libconfig refuses the duplicate */,
     ":1: duplicate setting name"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"ou=d,o=x\"; scope = \"one\"; "
     "filter = \"(&(objectClass=x)(dc=%s)(note=100%%))\"; }; };",
     NULL, "ldap.domains.filter", "(&(objectClass=x)(dc=%s)(note=100%%))"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"ou=d,o=x\"; scope = \"base\"; }; "
     "};",
     NULL, "ldap.domains.scope", "base"},
    {LDAP("networks = { base = \"ou=n,o=x\"; filter = \"(objectClass=ipNetwork)\"; "
          "attribute = \"ipNetworkNumber\"; scope = \"one\"; refresh = 60; };"),
     NULL, "ldap.networks.attribute", "ipNetworkNumber"},
    {LDAP("networks = { base = \"ou=n,o=x\"; refresh = 60.5; };"), NULL,
     "ldap.networks.refresh", "60.5"},
    {LDAP("networks = { base = \"ou=n,o=x\"; };"), NULL, "ldap.networks.filter",
     "(objectClass=relayClient)"},
    {LDAP(""), NULL, "ldap.networks.base", "(null)"},

    /* ldap: bad values */
    {"ldap = { };", ":1: 'ldap' needs 'uri'|:1: 'ldap' needs 'domains'", NULL, NULL, 2},
    {"ldap = { uri = \"ldap://h\"; domains = { scope = \"sub\"; }; };",
     ":1: 'ldap.domains' needs 'base'"},
    {LDAP("networks = { refresh = 60; };"), ":1: 'ldap.networks' needs 'base'"},
    {"ldap = { uri = \"http://h\"; domains = { base = \"o=x\"; }; };",
     ":1: 'ldap.uri': \"http://h\": must start with ldap://, ldaps:// or ldapi://"},
    {"ldap = { uri = [ \"ldap://a\",\n \"ldap://b/dc=x??sub\" ];\n domains = { base = "
     "\"o=x\"; }; };",
     ":2: 'ldap.uri': \"ldap://b/dc=x??sub\": a server URI takes no DN"},
    {"ldap = { uri = [ ];\n domains = { base = \"o=x\"; }; };",
     ":1: 'ldap.uri' lists no server"},
    {"ldap = { uri = 389; domains = { base = \"o=x\"; }; };",
     "'ldap.uri' must be a list of strings, not an integer"},
    {LDAP("bind_dn = \"not a dn\"; bind_password_file = \"@TMP@/pw600\";"),
     "'ldap.bind_dn': not a valid DN"},
    {LDAP("bind_dn = \"cn=rm,o=x\";"),
     "'ldap.bind_dn' without 'ldap.bind_password_file'"},
    {LDAP("bind_password_file = \"@TMP@/pw600\";"),
     "'ldap.bind_password_file' without 'ldap.bind_dn'"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/pw644\";"),
     "pw644: group or others have access (mode 0644): chmod 600 it"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/pw640\";"),
     "pw640: group or others have access (mode 0640)"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/pw604\";"),
     "pw604: group or others have access"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/pw620\";"),
     "pw620: group or others have access"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/pwempty\";"),
     "pwempty: the file is empty"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/adir\";"),
     "adir: not a regular file"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"@TMP@/nonexistent\";"),
     "nonexistent: No such file or directory"},
    {LDAP("bind_dn = \"cn=rm,o=x\"; bind_password_file = \"ldap.secret\";"),
     "'ldap.bind_password_file': must be an absolute path"},
    {"ldap = { uri = \"ldaps://h\";\n starttls = true; domains = { base = \"o=x\"; }; };",
     ":2: 'ldap.starttls' with an ldaps:// URI"},
    {LDAP("tls_ca_file = \"@TMP@/none.pem\";"),
     "'ldap.tls_ca_file': cannot use it: No such"},
    {LDAP("tls_ca_file = \"@TMP@/adir\";"), "'ldap.tls_ca_file': not a regular file"},
    {LDAP("timeout = 0.05;"), ":1: 'ldap.timeout': must be between 0.1 and 30, not 0.05"},
    {LDAP("timeout = 31;"), "'ldap.timeout': must be between 0.1 and 30, not 31"},
    {LDAP("timeout = \"2\";"), ":1: 'ldap.timeout' must be a number, not a string"},
    {LDAP("budget = 10;"), "'ldap.budget': must be between 0.1 and 9, not 10"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; };\n timeout = 3;\n "
     "budget = 2; };",
     ":3: 'ldap.budget' (2 s) is less than 'ldap.timeout' (3 s)"},
    {LDAP("timeout = 6;"), "'ldap.budget' (5 s) is less than 'ldap.timeout' (6 s)"},
    {LDAP("pool_size = 0;"), "'ldap.pool_size': must be between 1 and 64, not 0"},
    {LDAP("pool_size = 65;"), "'ldap.pool_size': must be between 1 and 64, not 65"},
    {LDAP("pool_size = 4.0;"), "'ldap.pool_size' must be an integer, not a float"},
    {LDAP("starttls = \"no\";"), "'ldap.starttls' must be a boolean, not a string"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = "
     "\"(dc=%s)(x=%s)\"; }; };",
     "'ldap.domains.filter': must be one filter: text follows its closing parenthesis"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = "
     "\"(&(dc=%s)(x=%s))\"; }; };",
     "must contain exactly one %s"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = "
     "\"(objectClass=domain)\"; }; };",
     "must contain exactly one %s"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = \"dc=%s\"; }; };",
     "must be enclosed in parentheses"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = \"(&(dc=%s)\"; "
     "}; };",
     "unbalanced parentheses"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = \"(dc=%d)\"; }; "
     "};",
     "'%' must be followed by 's'"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; filter = "
     "\"(dc=%s\\\\zz)\"; }; };",
     "two hex digits"},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x\"; scope = \"subtree\"; }; "
     "};",
     "'ldap.domains.scope': \"subtree\" is not one of \"base\", \"one\", \"sub\""},
    {"ldap = { uri = \"ldap://h\"; domains = { base = \"o=x,,\"; }; };",
     "'ldap.domains.base': not a valid DN"},
    {LDAP("networks = { base = \"o=x\"; filter = \"(cn=%s)\"; };"),
     "'ldap.networks.filter': is used as is and takes no %s"},
    {LDAP("networks = { base = \"o=x\"; attribute = \"relay client\"; };"),
     "'ldap.networks.attribute': not an attribute name"},
    {LDAP("networks = { base = \"o=x\"; refresh = 5; };"),
     "'ldap.networks.refresh': must be between 10 and 86400, not 5"},
    {LDAP("networks = { base = \"o=x\"; refresh = 86401; };"),
     "must be between 10 and 86400, not 86401"},
    {LDAP("networks = { base = \"o=x\"; bogus = 1; };"),
     "unknown key 'ldap.networks.bogus'"},

    /* cache */
    {"cache = { positive_ttl = 600; };", NULL, "cache.positive_ttl", "600"},
    {"cache = { negative_ttl = 0; };", NULL, "cache.negative_ttl", "0"},
    {"cache = { stale_ttl = 604800; };", NULL, "cache.stale_ttl", "604800"},
    {"cache = { max_entries = 0; };", NULL, "cache.max_entries", "0"},
    {"cache = { max_entries = 10000000L; };", NULL, "cache.max_entries", "10000000"},
    {"cache = { positive_ttl = -1; };",
     ":1: 'cache.positive_ttl': must be between 0 and 604800, not -1"},
    {"cache = { stale_ttl = 604801; };",
     "'cache.stale_ttl': must be between 0 and 604800"},
    {"cache = { negative_ttl = 60.0; };",
     "'cache.negative_ttl' must be an integer, not a float"},
    {"cache = { max_entries = 10000001; };",
     "'cache.max_entries': must be between 0 and 1e+07"},
    {"cache = { max_entries = 99999999999L; };", "'cache.max_entries': must be between"},
    {"cache = { ttl = 60; };", "unknown key 'cache.ttl'"},

    /* log */
    {"log = { syslog = false; };", NULL, "log.syslog", "false"},
    {"log = { facility = \"local3\"; };", NULL, "log.facility", "local3"},
    {"log = { facility = \"daemon\"; };", NULL, "log.facility", "daemon"},
    {"log = { json = \"/var/log/relaymilter/decisions.json\"; };", NULL, "log.json",
     "/var/log/relaymilter/decisions.json"},
    {"log = { accepts = false; };", NULL, "log.accepts", "false"},
    {"log = { facility = \"local8\"; };",
     ":1: 'log.facility': unknown syslog facility \"local8\""},
    {"log = { facility = 2; };", "'log.facility' must be a string, not an integer"},
    {"log = { json = \"decisions.json\"; };", "'log.json': must be an absolute path"},
    {"log = { syslog = \"true\"; };", "'log.syslog' must be a boolean, not a string"},

    /* stats */
    {"stats = { textfile = \"/var/lib/node_exporter/relaymilter.prom\"; };", NULL,
     "stats.textfile", "/var/lib/node_exporter/relaymilter.prom"},
    {"stats = { interval = 60; };", NULL, "stats.interval", "60"},
    {"stats = { interval = 0.5; };",
     "'stats.interval': must be between 1 and 3600, not 0.5"},
    {"stats = { interval = 3601; };", "must be between 1 and 3600"},
    {"stats = { textfile = \"rm.prom\"; };",
     "'stats.textfile': must be an absolute path"},

    /* unknown keys, with and without a hint */
    {"sockett = \"unix:/run/x\";", ":1: unknown key 'sockett' (did you mean 'socket'?)"},
    {"timeout = 2.0;", ":1: unknown key 'timeout' (did you mean 'ldap.timeout'?)"},
    {"frobnicate = 1;", ":1: unknown key 'frobnicate'"},
    {"policy = {\n match_subdomain = true;\n};",
     ":2: unknown key 'policy.match_subdomain' (did you mean "
     "'policy.match_subdomains'?)"},
    {"policy = { local_domain = [ \"a.example\" ]; };",
     "(did you mean 'policy.local_domains'?)"},
    {"cache = { positive_ttl = 1; ldap = { }; };", "unknown key 'cache.ldap'"},
    {"Socket = \"unix:/run/x\";", "unknown key 'Socket' (did you mean 'socket'?)"},

    /* syntax errors name the line */
    {"socket = \"unix:/run/x\";\nmode = = \"report\";", ":2: syntax error"},
    {"socket = \"unix:/run/x\"\nmode = \"report\"", NULL, "mode", "report"},
    {"\n\npolicy = { local_domains = [ \"a\", ; };", ":3: syntax error"},
    {"mode = \"report;\n", ":2: syntax error"},
    {"policy = {\n local_domains = [ \"a.example\" ];\n", ":3: syntax error"},
    {"mode = \"enforce\";\nmode = \"report\";", ":2: duplicate setting name"},
    {"policy = { allow_networks = [ \"127.0.0.0/8\", 1 ]; };",
     ":1: mismatched element type"},

    /* accounts (SPEC §8) */
    {"accounts = { default_domain = \"Example.ORG\"; };\n"
     "policy = { accounts = ( { login = \"Alice\"; senders = [ \"@B\u00fccher.example\", "
     "\"X+y@Example.NET\" ]; limits = [ \"login-rcpt-hour=10\" ]; },\n"
     "{ login = \"carol@example.net\"; suspended = true; } ); };\n"
     "limits = { rules = ( { name = \"login-rcpt-hour\"; key = \"login\"; max = 5; "
     "per = 3600; } ); };",
     NULL, "policy.accounts",
     "alice@example.org:0:@xn--bcher-kva.example+x+y@example.net:login-rcpt-hour=10,"
     "carol@example.net:1::"},
    {"accounts = { default_domain = \"example.org\"; };", NULL, "accounts.default_domain",
     "example.org"},
    {"", NULL, "accounts.default_domain", "(null)"},
    {"policy = { sender_login = \"reject\"; accounts = ( { login = \"a@b.example\"; } ); "
     "};",
     NULL, "policy.sender_login", "reject"},
    {"", NULL, "policy.sender_login", "off"},
    {"accounts = { default_domain = \"a..b\"; };", ":1: 'accounts.default_domain'"},
    {"accounts = { default_domain = \"example.org\"; };\npolicy = { accounts = (\n"
     "{ login = \"alice\"; },\n{ login = \"ALICE@example.org\"; } ); };",
     ":4: 'policy.accounts.login' \"ALICE@example.org\" is the account "
     "\"alice@example.org\" "
     "again (listed at line 3)",
     NULL, NULL, 1},
    {"policy = { accounts = ( { login = \"a@b.example\"; },\n{ login = \"a@b.example\"; "
     "} ); };",
     ":2: 'policy.accounts.login' \"a@b.example\" is the account", NULL, NULL, 1},
    {"policy = { accounts = ( { login = \"a@@b.example\"; } ); };",
     ":1: 'policy.accounts.login' \"a@@b.example\": more than one \"@\""},
    {"policy = { accounts = ( { login = \"@b.example\"; } ); };",
     ":1: 'policy.accounts.login' \"@b.example\": \"@\" without a user name"},
    {"policy = { accounts = ( { login = \"a b\"; } ); };",
     ":1: 'policy.accounts.login' \"a b\": control characters, spaces"},
    {"policy = { accounts = ( { senders = [ \"x@y.example\" ]; } ); };",
     ":1: 'policy.accounts' needs 'login'"},
    {"policy = { accounts = ( { login = \"a@b.example\";\n senders = [ \"nobody\" ]; } "
     "); };",
     ":2: 'policy.accounts.senders': \"nobody\": not an address (user@domain) or "
     "\"@domain\""},
    {"policy = { accounts = ( { login = \"a@b.example\"; senders = [ \"@\" ]; } ); };",
     ":1: 'policy.accounts.senders': \"@\": not an address"},
    {"policy = { accounts = ( { login = \"a@b.example\"; limits = [ \"x\" ]; } ); };",
     ":1: 'policy.accounts.limits': \"x\": must be NAME=MAX"},
    {"policy = { accounts = ( { login = \"a@b.example\"; limits = [ \"x=-1\" ]; } ); };",
     ":1: 'policy.accounts.limits': \"x=-1\": MAX must be a whole number"},
    {"policy = { accounts = ( { login = \"a@b.example\"; limits = [ \"a b=1\" ]; } ); };",
     ":1: 'policy.accounts.limits': \"a b=1\": the rule name may hold"},
    {"policy = {\n sender_login = \"log\"; };",
     ":2: 'policy.sender_login' is \"log\" but no accounts are configured", NULL, NULL,
     1},
    {"policy = { sender_login = \"reject\"; };\n" LDAP(
         "accounts = { base = \"ou=people,dc=example,dc=org\"; };"),
     NULL, "policy.sender_login", "reject"},
    {LDAP("accounts = { base = \"ou=people,dc=example,dc=org\";\n filter = "
          "\"(uid=alice)\"; };"),
     ":2: 'ldap.accounts.filter': must contain %s (the login), %u"},
    {LDAP("accounts = { base = \"ou=people,dc=example,dc=org\";\n filter = \"(uid=%x)\"; "
          "};"),
     ":2: 'ldap.accounts.filter': '%' must be followed by 's' (the login)"},
    {LDAP("accounts = { base = \"ou=p,dc=example,dc=org\"; filter = "
          "\"(&(uid=%u)(o=%d))\"; };"),
     NULL, "ldap.accounts.filter", "(&(uid=%u)(o=%d))"},
    {LDAP("accounts = { filter = \"(uid=%u)\"; };"), ":1: 'ldap.accounts' needs 'base'"},
    {"policy = { replies = { sender_login_mismatch = \"not yours, %{login}\"; }; };",
     NULL, "policy.replies.sender_login_mismatch", "not yours, %{login}"},

    /* limits (SPEC §9) */
    {"limits = { rules = ( { name = \"login-rcpt-hour\"; key = \"login\"; max = 500; per "
     "= 3600; },\n"
     "{ name = \"login-msg-day\"; key = \"login\"; count = \"msg\"; max = 1000; per = "
     "86400; "
     "action = \"suspend\"; suspend = 7200; } ); };",
     NULL, "limits.rules",
     "login-rcpt-hour:0:0:500/3600:0:3600,login-msg-day:0:1:1000/86400:3:7200"},
    {"", NULL, "limits.store", "memory"},
    {"limits = { store = \"redis\"; redis = { server = \"unix:/run/redis/redis.sock\"; "
     "}; };",
     NULL, "limits.redis.timeout", "0.2"},
    {"limits = {\n store = \"redis\"; };",
     ":2: 'limits.store' is \"redis\" but there is no 'limits.redis'"},
    {"limits = { redis = { timeout = 0.2; }; };", ":1: 'limits.redis' needs 'server'"},
    {"limits = { rules = (\n{ name = \"c\"; key = \"client\"; max = 5; per = 60; action "
     "= \"suspend\"; } ); };",
     ":2: 'limits.rules' \"c\": action \"suspend\" needs key \"login\""},
    {"limits = { rules = ( { name = \"a\"; key = \"login\"; max = 5; per = 60; },\n"
     "{ name = \"a\"; key = \"client\"; max = 5; per = 60; } ); };",
     ":2: 'limits.rules.name': \"a\" is used twice"},
    {"limits = { rules = ( { name = \"a b\"; key = \"login\"; max = 5; per = 60; } ); };",
     ":1: 'limits.rules.name': \"a b\": letters, digits"},
    {"limits = { rules = ( { name = \"a\"; key = \"login\"; max = 0; per = 60; } ); };",
     ":1: 'limits.rules.max'"},
    {"limits = { rules = ( { name = \"a\"; key = \"login\"; max = 5; per = 0.5; } ); };",
     ":1: 'limits.rules.per'"},
    {"limits = { rules = ( { name = \"a\"; key = \"ip\"; max = 5; per = 60; } ); };",
     ":1: 'limits.rules.key'"},
    {"limits = { rules = ( { name = \"a\"; max = 5; per = 60; } ); };",
     ":1: 'limits.rules' needs 'key'"},
    {"limits = { rules = ( { name = "
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"; "
     "key = \"login\"; max = 5; per = 60; } ); };",
     ":1: 'limits.rules.name': longer than 64 characters"},
    {"limits = { rules = ( { name = \"a\"; key = \"login\"; max = 5; per = 60; } ); };\n"
     "policy = {\n accounts = ( { login = \"x@b.example\"; limits = [ \"b=1\" ]; } ); };",
     ":3: 'policy.accounts.limits' \"b=1\" of \"x@b.example\" names no rule"},
    {"limits = { rules = ( { name = \"a\"; key = \"login\"; max = 5; per = 60; "
     "action = \"throttle\"; } ); };",
     ":1: 'limits.rules.action'"},
    {"limits = { store = \"redis\"; redis = { server = \"unix:/x\"; timeout = 9; }; };",
     ":1: 'limits.redis.timeout'"},
    {"limits = { store = \"redis\"; redis = { server = \"unix:/x\"; "
     "password_file = \"relative/pw\"; }; };",
     ":1: 'limits.redis.password_file': must be an absolute path"},

    /* several problems are all reported */
    {"sockett = \"x\";\nmode = \"audit\";\npolicy = { match_subdomains = 1; };\n"
     "cache = { max_entries = -5; };\nlog = { facility = \"nope\"; };",
     ":1: unknown key 'sockett'|:2: 'mode'|:3: 'policy.match_subdomains'|"
     ":4: 'cache.max_entries'|:5: 'log.facility'",
     NULL, NULL, 5},
    {"policy = {\n local_domains = [ \"a..b\" ];\n allow_networks = [ \"10.0.0.1/8\" ];\n"
     " replies = { relay_denied = \"a\\nb\"; };\n};",
     ":2: 'policy.local_domains'|:3: 'policy.allow_networks'|:4: "
     "'policy.replies.relay_denied'",
     NULL, NULL, 3},
};

/* Data files under top_srcdir. */
struct file_row {
	const char *file;
	const char *expect; /* NULL: loads */
};

static const struct file_row file_rows[] = {
    {"conf/relaymilter.conf", NULL},
    {"tests/unit/conf/full.conf", NULL},
    {"tests/unit/conf/include.conf", "included.inc:3: unknown key 'policy.bogus'"},
    {"tests/unit/conf", "tests/unit/conf: is a directory"},
    {"tests/unit/conf/nonexistent.conf", "nonexistent.conf: cannot open"},
};

#endif
