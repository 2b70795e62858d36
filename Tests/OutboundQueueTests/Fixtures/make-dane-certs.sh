#!/bin/sh
# Test PKI for DANE and MTA-STS (DANEDeliveryTests, MTASTSDeliveryTests), with openssl in DIR:
#   ca.pem/ca.key        a CA (the DANE-TA anchor; the trust root the MTA-STS tests give the client)
#   mx.pem/mx.key        leaf signed by it for the MX names below; chain.pem = leaf + CA
#   other.spki.sha256    SHA-256 of the SPKI of an unrelated key (a TLSA record that matches nothing)
#   mx.spki.sha256, ca.cert.sha256   the digests for TLSA 3 1 1 and 2 0 1
# Usage: make-dane-certs.sh DIR
set -eu
cd "$1"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=Hato DANE test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req $ec -keyout mx.key -out mx.csr -subj "/CN=mx.dane.example" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
    "DNS:mx.dane.example,DNS:mx.ta.example,DNS:mx.strip.example,DNS:mx.wrong.example,DNS:mx.sts.example,DNS:mx.unsigned.example" > leaf.ext
openssl x509 -req -in mx.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out mx.pem -days 2 -extfile leaf.ext 2>/dev/null
cat mx.pem ca.pem > chain.pem
spki() { openssl pkey -pubin -outform DER | openssl dgst -sha256 -hex | sed 's/^.* //'; }
openssl x509 -in mx.pem -noout -pubkey | spki > mx.spki.sha256
openssl x509 -in ca.pem -outform DER | openssl dgst -sha256 -hex | sed 's/^.* //' > ca.cert.sha256
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | openssl pkey -pubout | spki > other.spki.sha256
# The MTA-STS policy server's certificate: for 127.0.0.1, where the tests' fetcher connects.
openssl req $ec -keyout https.key -out https.csr -subj "/CN=mta-sts.sts.example" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mta-sts.sts.example,IP:127.0.0.1\n' > https.ext
openssl x509 -req -in https.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out https.pem -days 2 -extfile https.ext 2>/dev/null
