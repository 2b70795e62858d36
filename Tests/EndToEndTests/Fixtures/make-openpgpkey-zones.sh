#!/bin/sh
# Zones for OpenPGPLookupServeTests, served by SignedZoneServer (unbound):
#   dns.example.com.       signed with ldnsutils (trust anchor = its KSK's DS in DIR/anchor.ds):
#                   ola@dns.example.com's OPENPGPKEY record as `gpg --export-options export-dane` wrote it
#   insecure.example.net.  unsigned (no anchor covers it: insecure): ivy@insecure.example.net's, the same way
#   wkd.example.org.       unsigned: openpgpkey.wkd.example.org on 127.0.0.1 (the WKD advanced method)
#   direct.example.org.    unsigned: direct.example.org itself on 127.0.0.1 (the direct method); SPF allowing
#                   127.0.0.1 and a DMARC record, so its mail passes DMARC (Autocrypt learning); psd=n
#                   ends the DMARCbis tree walk there (no parent zone is served to ask)
# Usage: make-openpgpkey-zones.sh DIR KEY_DIR   (KEY_DIR: openpgp_lookup_fixture.py's ola.dane and ivy.dane)
set -eu
dir=$1 keys=$2
cd "$dir"
head() { printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$1" "$1" "$1" "$1"; }

kk=$(ldns-keygen -a ECDSAP256SHA256 -k dns.example.com.)
zk=$(ldns-keygen -a ECDSAP256SHA256 dns.example.com.)
{ head dns.example.com; cat "$keys/ola.dane"; } > dns.example.com.zone
ldns-signzone -n -t 0 dns.example.com.zone "$kk" "$zk" >/dev/null
cp "$kk.ds" anchor.ds
{ head insecure.example.net; cat "$keys/ivy.dane"; } > insecure.example.net.zone
{ head wkd.example.org; printf 'openpgpkey IN A 127.0.0.1\n'; } > wkd.example.org.zone
{ head direct.example.org; printf '@ IN A 127.0.0.1\n@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc IN TXT "v=DMARC1; p=reject; psd=n"\n'; } > direct.example.org.zone
printf '%s\n' "dns.example.com. dns.example.com.zone.signed" "insecure.example.net. insecure.example.net.zone" "wkd.example.org. wkd.example.org.zone" "direct.example.org. direct.example.org.zone" > zones
