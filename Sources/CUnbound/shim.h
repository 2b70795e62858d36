// libunbound (NLnet Labs, Debian libunbound-dev): DNSSEC validation in process.
// Only Sources/DNSClient/UnboundContext.swift may use this module (docs/dns.md, "DNSSEC").
#include <unbound.h>
