#!/bin/sh
# Builds signed test zones in DIR with ldnsutils, and DIR/zones, the list SignedZoneServer serves
# with unbound (DNSSECValidationTests; docs/dns.md, DNSSEC):
#   example.            NSEC3-signed (RFC 5155), trust anchor = its KSK's DS in DIR/anchor.ds
#     secure.example.   A 192.0.2.1, TXT, and _25._tcp.mx.example. TLSA 3 1 1
#     bogus.example.    A changed after signing (its RRSIG no longer matches)
#     expired.example.  signed child zone whose RRSIGs expired in 2020 (DS in example.)
#     unsigned.example. child delegation without DS: provably insecure
# Usage: make-signed-zones.sh DIR
set -eu
dir=$1
cd "$dir"

child() { # the label under example.
    cat > "$1.zone" <<Z
\$ORIGIN $1.example.
\$TTL 300
@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300
@ IN NS ns.example.
@ IN A 192.0.2.7
Z
}

child expired
ek=$(ldns-keygen -a ECDSAP256SHA256 -k expired.example.)
ldns-signzone -n -e 20200101000000 -i 20190101000000 expired.zone "$ek" >/dev/null
child unsigned

kk=$(ldns-keygen -a ECDSAP256SHA256 -k example.)
zk=$(ldns-keygen -a ECDSAP256SHA256 example.)
cat > example.zone <<Z
\$ORIGIN example.
\$TTL 300
@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300
@ IN NS ns.example.
ns IN A 127.0.0.1
secure IN A 192.0.2.1
secure IN TXT "v=spf1 -all"
_25._tcp.mx IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
mx IN A 127.0.0.1
bogus IN A 192.0.2.2
expired IN NS ns.example.
unsigned IN NS ns.example.
Z
cat "$ek.ds" >> example.zone
# NSEC3 (RFC 5155) with no extra iterations and no salt (RFC 9276 §3.1).
ldns-signzone -n -t 0 example.zone "$kk" "$zk" >/dev/null
# Tamper after signing: the A record changes, its RRSIG stays.
sed -i 's/^\(bogus\.example\.[[:space:]].*IN[[:space:]]*A[[:space:]]*\)192\.0\.2\.2$/\1192.0.2.66/' example.zone.signed
grep -q '192.0.2.66' example.zone.signed
cp "$kk.ds" anchor.ds

printf '%s\n' "example. example.zone.signed" "expired.example. expired.zone.signed" "unsigned.example. unsigned.zone" > zones
