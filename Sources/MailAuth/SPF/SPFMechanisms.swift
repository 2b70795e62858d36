// Mechanism evaluation, RFC 7208 §5. DNS errors (RCODE other than 0 or 3, timeouts) make the
// whole check temperror (§5 preamble) except inside ptr (§5.5); NXDOMAIN and empty answers are
// "void lookups" (§4.6.4) and count towards their limit.

import DNSMessage

extension SPFEvaluator {
    func matches(_ mechanism: SPFMechanism) async throws(SPFAbort) -> Bool {
        if mechanism.countsAsDNSTerm { try countDNSTerm() }
        switch mechanism {
        case .all:
            return true
        case .ip4(let network, let prefix):
            return context.ip.matches(.v4(network), prefix: prefix)
        case .ip6(let network, let prefix):
            return context.ip.matches(.v6(network), prefix: prefix)
        case .include(let spec):
            // §5.2: pass matches; fail, softfail and neutral do not; temperror and permerror
            // propagate (as thrown SPFAbort); none becomes permerror.
            let target = try await expandDomain(spec)
            let result = try await checkHost(target)
            switch result.result {
            case .pass: return true
            case .fail, .softfail, .neutral: return false
            case .none: throw .permerror("include:\(target) has no SPF record")
            case .temperror: throw .temperror("include:\(target) failed")
            case .permerror: throw .permerror("include:\(target) failed")
            }
        case .a(let spec, let v4Prefix, let v6Prefix):
            let target = try await target(spec)
            let addresses = try await addresses(of: target)
            return addresses.contains { context.ip.matches($0, prefix: prefix(v4Prefix, v6Prefix)) }
        case .mx(let spec, let v4Prefix, let v6Prefix):
            let target = try await target(spec)
            let exchanges = try await mxExchanges(of: target)
            var addresses: [IPAddress] = []
            // All exchanges are looked up before comparing, so limits and errors do not depend
            // on the order of the MX records.
            for exchange in exchanges { addresses += try await self.addresses(of: exchange.relativeDescription) }
            return addresses.contains { context.ip.matches($0, prefix: prefix(v4Prefix, v6Prefix)) }
        case .ptr(let spec):
            let target = try await target(spec)
            guard let targetName = try? DNSName(target) else { return false }
            let names = try await validatedPTRNames()
            // §5.5: a validated name equal to the target or below it matches.
            return names.contains { $0.isSubdomain(of: targetName) }
        case .exists(let spec):
            // §5.7: an A lookup even when the client is IPv6.
            let target = try await expandDomain(spec)
            return !(try await lookupAddresses(target, type: .a)).isEmpty
        }
    }

    private func prefix(_ v4: Int, _ v6: Int) -> Int {
        if case .v4 = context.ip { v4 } else { v6 }
    }

    /// The <target-name>: the expanded domain-spec, or <domain> when there is none (§4.8).
    private func target(_ spec: SPFMacroString?) async throws(SPFAbort) -> String {
        guard let spec else { return context.domain }
        return try await expandDomain(spec)
    }

    /// A or AAAA records of `name`, by the client's address family (§5).
    func addresses(of name: String) async throws(SPFAbort) -> [IPAddress] {
        if case .v4 = context.ip { return try await lookupAddresses(name, type: .a) }
        return try await lookupAddresses(name, type: .aaaa)
    }

    func lookupAddresses(_ name: String, type: DNSRecordType) async throws(SPFAbort) -> [IPAddress] {
        let records = try await lookup(name, type)
        return records.compactMap {
            switch $0.data {
            case .a(let a): .v4(a)
            case .aaaa(let a): .v6(a)
            default: nil
            }
        }
    }

    /// §4.6.4: more than 10 MX names is permerror.
    private func mxExchanges(of name: String) async throws(SPFAbort) -> [DNSName] {
        let records = try await lookup(name, .mx)
        guard records.count <= limits.maxMXNames else {
            throw .permerror("\(name) has more than \(limits.maxMXNames) MX records")
        }
        return records.compactMap { record -> (UInt16, DNSName)? in
            if case .mx(let preference, let exchange) = record.data, !exchange.isRoot { (preference, exchange) } else { nil }
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// §5.5: PTR names of <ip> (the first 10) whose A/AAAA records include <ip>. A DNS error on
    /// the PTR lookup means no names; an error on a name's addresses skips that name.
    func validatedPTRNames() async throws(SPFAbort) -> [DNSName] {
        try checkDeadline()
        let names: [DNSName]
        do {
            names = try await resolver.lookupPTR(context.ip)
        } catch {
            if error.isNotFound { try countVoid() }
            return []
        }
        var validated: [DNSName] = []
        for name in names.prefix(limits.maxPTRNames) {
            do {
                if try await addresses(of: name.relativeDescription).contains(context.ip) { validated.append(name) }
            } catch {
                if case .permerror = error { throw error }
            }
        }
        return validated
    }

    /// One lookup with the shared rules: invalid names and NXDOMAIN/NODATA are void lookups
    /// returning nothing; other failures are temperror.
    private func lookup(_ name: String, _ type: DNSRecordType) async throws(SPFAbort) -> [DNSResourceRecord] {
        guard SPFEvaluator.isWellFormedDomain(name), let dnsName = try? DNSName(name) else {
            try countVoid()
            return []
        }
        try checkDeadline()
        do {
            return try await resolver.lookup(dnsName, type).records
        } catch {
            if error.isNotFound {
                try countVoid()
                return []
            }
            throw .temperror("\(type) lookup for \(name) failed: \(error)")
        }
    }
}
