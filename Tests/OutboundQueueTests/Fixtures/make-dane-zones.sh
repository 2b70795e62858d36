#!/bin/sh
# Signed zones for the DANE delivery tests (ldnsutils), served by unbound on 127.0.0.1:PORT
# (SignedZoneServer, from the list in DIR/zones). Every MX host is 127.0.0.1; TLSA records sit at _TLSPORT._tcp (the port of
# the TLS peer) except for mx.strip, whose record is at _PLAINPORT._tcp (the peer without STARTTLS):
#   dane.example.      TLSA 3 1 1 of the leaf key                    -> delivered over TLS
#   ta.example.        TLSA 2 0 1 of the CA, leaf names mx.ta       -> delivered over TLS
#   badname.example.   TLSA 2 0 1 of the CA, leaf lacks mx.badname  -> deferred
#   wrong.example.     TLSA 3 1 1 of another key                    -> deferred
#   strip.example.     TLSA present, peer offers no STARTTLS        -> deferred
#   plain.example.     signed, no TLSA                              -> opportunistic
#   unsigned.example.  unsigned delegation with a wrong TLSA        -> insecure, opportunistic
#   alias.example.     MX mx.alias, a CNAME to mx.dane               -> DANE-EE at the expanded name
#   taalias.example.   MX mx.taalias, a CNAME to mx.ta               -> DANE-TA, leaf names the expanded name
#   sts.example., stsbad.example., ststest.example.  _mta-sts TXT records, no TLSA (MTASTSDeliveryTests)
#   _smtp._tls TXT (TLS-RPT, RFC 8460) for dane.example and wrong.example (RequireTLSServeTests), and
#   with HTTPSPORT for ta.example: rua=https://127.0.0.1:HTTPSPORT/tlsrpt (RFC 8460 §5.3)
# Usage: make-dane-zones.sh DIR CERTDIR TLSPORT PLAINPORT [HTTPSPORT]
set -eu
dir=$1 certs=$2 tls=$3 plain=$4 https=${5:-}
cd "$dir"
ee=$(cat "$certs/mx.spki.sha256") ca=$(cat "$certs/ca.cert.sha256") other=$(cat "$certs/other.spki.sha256")

cat > unsigned.zone <<Z
\$ORIGIN unsigned.example.
\$TTL 300
@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300
@ IN NS ns.example.
@ IN MX 10 mx
mx IN A 127.0.0.1
_$tls._tcp.mx IN TLSA 3 1 1 $other
_$plain._tcp.mx IN TLSA 3 1 1 $other
Z

kk=$(ldns-keygen -a ECDSAP256SHA256 -k example.)
zk=$(ldns-keygen -a ECDSAP256SHA256 example.)
{
cat <<Z
\$ORIGIN example.
\$TTL 300
@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 300
@ IN NS ns.example.
ns IN A 127.0.0.1
unsigned IN NS ns.example.
_$tls._tcp.mx.dane IN TLSA 3 1 1 $ee
_$tls._tcp.mx.ta IN TLSA 2 0 1 $ca
_$tls._tcp.mx.badname IN TLSA 2 0 1 $ca
_$tls._tcp.mx.wrong IN TLSA 3 1 1 $other
_$plain._tcp.mx.strip IN TLSA 3 1 1 $ee
_mta-sts.sts IN TXT "v=STSv1; id=1"
_mta-sts.stsbad IN TXT "v=STSv1; id=2"
_mta-sts.ststest IN TXT "v=STSv1; id=3"
_smtp._tls.dane IN TXT "v=TLSRPTv1; rua=mailto:reports@dane.example"
_smtp._tls.wrong IN TXT "v=TLSRPTv1;rua=mailto:reports@wrong.example"
Z
if [ -n "$https" ]; then printf '_smtp._tls.ta IN TXT "v=TLSRPTv1; rua=https://127.0.0.1:%s/tlsrpt"\n' "$https"; fi
for name in dane ta badname wrong strip plain sts stsbad ststest; do
    printf '%s IN MX 10 mx.%s\nmx.%s IN A 127.0.0.1\n' "$name" "$name" "$name"
done
# MX hosts that are aliases (RFC 7672 §2.2.2): TLSA at the CNAME-expanded name only.
printf 'alias IN MX 10 mx.alias\nmx.alias IN CNAME mx.dane\ntaalias IN MX 10 mx.taalias\nmx.taalias IN CNAME mx.ta\n'
} > example.zone
ldns-signzone -n -t 0 example.zone "$kk" "$zk" >/dev/null
cp "$kk.ds" anchor.ds

printf '%s\n' "example. example.zone.signed" "unsigned.example. unsigned.zone" > zones
