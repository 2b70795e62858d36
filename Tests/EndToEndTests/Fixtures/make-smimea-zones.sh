#!/bin/sh
# Zones with SMIMEA records (RFC 8162) for SMIMEAServeTests, served by SignedZoneServer (unbound):
#   example.com.  signed with ldnsutils (trust anchor = its KSK's DS in DIR/anchor.ds):
#                 alice@example.com's certificate as SMIMEA 3 0 0
#   example.net.  unsigned (no anchor covers it: insecure): bob@example.net's, the same way
# The owner names are computed here with sha256sum (RFC 8162 §3), not by Hato.
# Usage: make-smimea-zones.sh DIR PKI_DIR   (PKI_DIR: SMIMETestPKI's alice.pem and bob.pem)
set -eu
dir=$1 pki=$2
cd "$dir"

# RFC 8162 §3: SHA2-256 of the local part, first 28 octets (56 hex digits), then _smimecert.
owner() { printf '%s' "$1" | sha256sum | cut -c1-56; }
# RFC 3597 generic form (TYPE53), which every zone tool loads.
record() { # localpart pem
    hex=$(openssl x509 -in "$2" -outform DER | od -An -v -tx1 | tr -d ' \n')
    printf '%s._smimecert IN TYPE53 \\# %d 030000%s\n' "$(owner "$1")" $(( ${#hex} / 2 + 3 )) "$hex"
}

kk=$(ldns-keygen -a ECDSAP256SHA256 -k example.com.)
zk=$(ldns-keygen -a ECDSAP256SHA256 example.com.)
{
    printf '$ORIGIN example.com.\n$TTL 300\n'
    printf '@ IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300\n@ IN NS ns.example.com.\nns IN A 127.0.0.1\n'
    record alice "$pki/alice.pem"
} > example.com.zone
ldns-signzone -n -t 0 example.com.zone "$kk" "$zk" >/dev/null
cp "$kk.ds" anchor.ds

{
    printf '$ORIGIN example.net.\n$TTL 300\n'
    printf '@ IN SOA ns.example.net. hostmaster.example.net. 1 3600 600 86400 300\n@ IN NS ns.example.net.\nns IN A 127.0.0.1\n'
    record bob "$pki/bob.pem"
} > example.net.zone

printf '%s\n' "example.com. example.com.zone.signed" "example.net. example.net.zone" > zones
