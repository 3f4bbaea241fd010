#!/bin/bash
# install-deps.sh: what tests/e2e needs on a fresh Debian 12, installed
# idempotently and non-interactively, as root, WITHOUT starting the system
# Postfix (a policy-rc.d that exits 101 is put in place for the duration if
# none exists). Sendmail is not installed (it conflicts with postfix): its
# .debs are downloaded into the cache that lib_sendmail.sh unpacks.
set -euo pipefail
pkgs=(postfix sasl2-bin libsasl2-modules swaks libnet-ssleay-perl libio-socket-inet6-perl jq m4
	openssl iproute2 util-linux libmilter-dev)
cache=${SM_DEB_CACHE:-/var/cache/relaymilter-e2e/debs}

[ "$(id -u)" -eq 0 ] || { echo "install-deps.sh: run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	made_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		made_policy=yes
	fi
	trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! ls "$cache"/sendmail-bin_*.deb >/dev/null 2>&1; then
	mkdir -p "$cache"
	(cd "$cache" && apt-get download sendmail-bin sendmail-cf sendmail-base) 2>&1 |
		grep -v 'unsandboxed' || :
fi
echo "install-deps.sh: e2e dependencies present"
