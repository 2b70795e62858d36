// `hato check dns`: asks DNS for every record of a `DomainRecordPlan` and says, per record set,
// ok, missing or wrong (or error when DNS itself failed), with what was found and what was
// expected. Records are judged by meaning, not by text: SPF is evaluated for each public
// address, DKIM keys are compared by public key, the MX host must lead back to this server.

import DNSMessage
import MailAuth

public struct DNSCheckResult: Sendable, Hashable {
    public enum Status: String, Sendable { case ok, missing, wrong, error }

    public var purpose: DomainRecordPlan.Purpose
    public var name: DNSName
    public var type: DNSRecordType
    public var status: Status
    public var expected: [String]
    public var found: [String]
    /// Why it is wrong, or a remark on a record that is ok (DMARC p=none).
    public var detail: String?

    public var isProblem: Bool { status != .ok }
}

public struct DomainRecordChecker: Sendable {
    public let resolver: any DNSResolving

    public init(resolver: any DNSResolving) { self.resolver = resolver }

    /// One result per record set of the plan (same purpose, name and type), in plan order;
    /// a PTR per address.
    public func check(_ plan: DomainRecordPlan) async -> [DNSCheckResult] {
        var groups: [[DomainRecordPlan.Record]] = []
        for record in plan.records {
            if let index = groups.firstIndex(where: {
                $0[0].purpose == record.purpose && $0[0].name == record.name && $0[0].type == record.type
            }) {
                groups[index].append(record)
            } else {
                groups.append([record])
            }
        }
        // All at once: a resolver that does not answer costs one timeout, not one per record.
        return await withTaskGroup(of: (Int, DNSCheckResult).self) { tasks in
            for (index, group) in groups.enumerated() {
                tasks.addTask { (index, await self.check(group, plan: plan)) }
            }
            var results: [(Int, DNSCheckResult)] = []
            for await result in tasks { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    func check(_ group: [DomainRecordPlan.Record], plan: DomainRecordPlan) async -> DNSCheckResult {
        let first = group[0]
        var result = DNSCheckResult(purpose: first.purpose, name: first.name, type: first.type, status: .ok,
                                    expected: group.map(\.data.description), found: [], detail: nil)
        do throws(DNSError) {
            switch first.purpose {
            case .mx: try await checkMX(&result, plan: plan)
            case .hostAddress, .mtaSTSHost, .autoconfig, .autodiscover: try await checkAddresses(&result, group)
            case .spf, .heloSPF: try await checkSPF(&result, plan: plan)
            case .dkim: try await checkDKIM(&result, expected: first)
            case .dmarc: try await checkDMARC(&result)
            case .mtaSTS: try await checkTagged(&result, prefix: "v=STSv1", rfc: "RFC 8461 §3.1", rule: Self.validMTASTS)
            case .tlsReporting: try await checkTagged(&result, prefix: "v=TLSRPTv1", rfc: "RFC 8460 §3", rule: Self.validTLSRPT)
            case .srv: try await checkSRV(&result, expected: group)
            case .caa: try await checkCAA(&result, issuer: plan.input.caaIssuer ?? "")
            case .tlsa: try await checkTLSA(&result, expected: first)
            case .openpgpkey, .smimea: try await checkMailboxKeys(&result, expected: group)
            case .ptr: try await checkPTR(&result, plan: plan)
            }
        } catch {
            result.status = error.isNotFound ? .missing : .error
            if !error.isNotFound { result.detail = "DNS lookup failed: \(error)" }
        }
        return result
    }

    // MARK: per purpose

    func checkMX(_ result: inout DNSCheckResult, plan: DomainRecordPlan) async throws(DNSError) {
        let mx = try await resolver.lookupMX(plan.domain)
        result.found = mx.map { "\($0.preference) \($0.exchange)" }
        let best = mx.map(\.preference).min() ?? 0
        let preferred = mx.filter { $0.preference == best }.map(\.exchange)
        guard preferred.contains(where: { $0.lowercased == plan.hostname.lowercased }) else {
            return wrong(&result, "mail for \(plan.input.domain) goes to \(preferred.map(\.description).joined(separator: ", ")), not \(plan.hostname)")
        }
        let resolved = await addresses(of: plan.hostname)
        let ours = Set(plan.input.publicIPs)
        guard !resolved.isEmpty, Set(resolved) == ours else {
            return wrong(&result, "the MX host \(plan.hostname) resolves to \(Self.list(resolved)), not this server's \(Self.list(plan.input.publicIPs))")
        }
    }

    func checkAddresses(_ result: inout DNSCheckResult, _ group: [DomainRecordPlan.Record]) async throws(DNSError) {
        let answer = try await resolver.lookup(result.name, result.type)
        result.found = answer.records.map(\.data.description)
        if Set(result.found) != Set(result.expected) { wrong(&result, "the addresses differ from server.public_ips") }
    }

    func checkSPF(_ result: inout DNSCheckResult, plan: DomainRecordPlan) async throws(DNSError) {
        let records = try await policyRecords(at: result.name, prefix: "v=spf1", result: &result)
        guard records.count == 1 else {
            return wrong(&result, "\(records.count) SPF records: receivers treat that as permerror (RFC 7208 §4.5)")
        }
        let verifier = SPFVerifier(resolver: resolver, receivingHost: plan.input.hostname)
        var failures: [String] = []
        for ip in plan.input.publicIPs {
            let outcome = result.purpose == .heloSPF
                ? await verifier.checkHELO(ip: ip, helo: plan.input.hostname)
                : await verifier.checkMailFrom(ip: ip, mailFrom: "postmaster@\(plan.input.domain)", helo: plan.input.hostname)
            if outcome.result != .pass { failures.append("\(ip): \(outcome.result.rawValue)" + (outcome.problem.map { " (\($0))" } ?? "")) }
        }
        if !failures.isEmpty { wrong(&result, "SPF does not pass this server: " + failures.joined(separator: "; ")) }
    }

    func checkDKIM(_ result: inout DNSCheckResult, expected: DomainRecordPlan.Record) async throws(DNSError) {
        let texts = try await resolver.lookupTXT(result.name)
        result.found = texts.map(Self.quoted)
        let wanted = expected.data.joinedText.flatMap { try? DKIMKeyRecord($0).publicKey }
        if !texts.contains(where: { (try? DKIMKeyRecord($0))?.publicKey == wanted }) {
            wrong(&result, "the published p= is not the key in the store (hato dkim list --records)")
        }
    }

    func checkDMARC(_ result: inout DNSCheckResult) async throws(DNSError) {
        let records = try await policyRecords(at: result.name, prefix: "v=DMARC1", result: &result)
        guard records.count == 1 else { return wrong(&result, "\(records.count) DMARC records: receivers use none (RFC 7489 §6.6.3)") }
        do {
            let record = try DMARCRecord(parsing: records[0])
            if record.policy == DMARCPolicy.none {
                result.detail = "p=none: once the reports show only your own mail passing, publish p=quarantine, then p=reject"
            }
        } catch {
            wrong(&result, "does not parse: \(error)")
        }
    }

    func checkTagged(_ result: inout DNSCheckResult, prefix: String, rfc: String,
                     rule: (String) -> String?) async throws(DNSError) {
        let records = try await policyRecords(at: result.name, prefix: prefix, result: &result)
        guard records.count == 1 else { return wrong(&result, "\(records.count) records starting \(prefix): receivers use none (\(rfc))") }
        if let problem = rule(records[0]) { wrong(&result, problem) }
    }

    func checkSRV(_ result: inout DNSCheckResult, expected: [DomainRecordPlan.Record]) async throws(DNSError) {
        let answer = try await resolver.lookup(result.name, .srv)
        result.found = answer.records.map(\.data.description)
        for record in expected {
            guard case .srv(_, _, let port, let target) = record.data else { continue }
            let served = answer.records.contains {
                if case .srv(_, _, let p, let t) = $0.data { p == port && t.lowercased == target.lowercased } else { false }
            }
            if !served { wrong(&result, "no record points at \(target) port \(port)") }
        }
    }

    /// The served key's 3 1 1 record must be there; others may stand beside it (a key rollover,
    /// RFC 7671 §8.1). Receivers ignore TLSA records that are not DNSSEC-secure (RFC 7672 §2.2).
    func checkTLSA(_ result: inout DNSCheckResult, expected: DomainRecordPlan.Record) async throws(DNSError) {
        let answer = try await resolver.lookup(result.name, .tlsa)
        result.found = answer.records.map(\.data.description)
        guard answer.records.contains(where: { $0.data == expected.data }) else {
            return wrong(&result, "no record matches the key of the certificate this server presents")
        }
        if answer.security != .secure { result.detail = "not DNSSEC-secure from this resolver: senders ignore unsigned TLSA records" }
    }

    func checkCAA(_ result: inout DNSCheckResult, issuer: String) async throws(DNSError) {
        let answer = try await resolver.lookup(result.name, .caa)
        result.found = answer.records.map(\.data.description)
        let allowed = answer.records.contains {
            guard case .caa(_, let tag, let value) = $0.data, tag.lowercased() == "issue" else { return false }
            let name = String(decoding: value, as: UTF8.self).split(separator: ";").first ?? ""
            return name.trimmingCharacters(in: .whitespaces).lowercased() == issuer
        }
        if !allowed { wrong(&result, "CAA does not allow \(issuer): certificate requests would be refused (RFC 8659 §4)") }
    }

    /// Forward-confirmed reverse DNS: the address's PTR names the mail host, and the mail host
    /// resolves back to the address.
    func checkPTR(_ result: inout DNSCheckResult, plan: DomainRecordPlan) async throws(DNSError) {
        guard let ip = plan.input.publicIPs.first(where: { $0.reverseName == result.name }) else { return }
        let names = try await resolver.lookupPTR(ip)
        result.found = names.map(\.description)
        guard names.contains(where: { $0.lowercased == plan.hostname.lowercased }) else {
            return wrong(&result, "\(ip) points at \(Self.list(names)), not \(plan.hostname); ask the address's provider to change it")
        }
        let back = await addresses(of: plan.hostname)
        if !back.contains(ip) { wrong(&result, "\(plan.hostname) does not resolve back to \(ip) (forward-confirmed reverse DNS fails)") }
    }

    // MARK: helpers

    /// TXT strings at `name` that start with `prefix` (a version tag), all of them in `found`.
    func policyRecords(at name: DNSName, prefix: String, result: inout DNSCheckResult) async throws(DNSError) -> [String] {
        let texts = try await resolver.lookupTXT(name)
        let matching = texts.filter { text in
            let lower = text.lowercased(), tag = prefix.lowercased()
            return lower == tag || lower.hasPrefix(tag + " ") || lower.hasPrefix(tag + ";")
        }
        result.found = matching.map(Self.quoted)
        if matching.isEmpty { throw DNSError(.noData, name: name, detail: "no \(prefix) record") }
        return matching
    }

    func addresses(of host: DNSName) async -> [IPAddress] {
        let v4 = (try? await resolver.lookupIPv4(host)) ?? []
        let v6 = (try? await resolver.lookupIPv6(host)) ?? []
        return v4.map { .v4($0) } + v6.map { .v6($0) }
    }

    func wrong(_ result: inout DNSCheckResult, _ why: String) {
        result.status = .wrong
        result.detail = [result.detail, why].compactMap { $0 }.joined(separator: "; ")
    }

    static func quoted(_ text: String) -> String { "\"" + text + "\"" }
    static func list<T: CustomStringConvertible>(_ items: [T]) -> String {
        items.isEmpty ? "nothing" : items.map(\.description).joined(separator: ", ")
    }

    /// RFC 8461 §3.1: `v=STSv1; id=` 1 to 32 letters and digits.
    static func validMTASTS(_ text: String) -> String? {
        let id = tags(text)["id"] ?? ""
        guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return "id must be 1 to 32 letters and digits (RFC 8461 §3.1), found \"\(id)\""
        }
        return nil
    }

    /// RFC 8460 §3: `v=TLSRPTv1; rua=` mailto: or https: URIs.
    static func validTLSRPT(_ text: String) -> String? {
        let uris = (tags(text)["rua"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !uris.isEmpty, uris.allSatisfy({ $0.hasPrefix("mailto:") || $0.hasPrefix("https:") }) else {
            return "rua= must list mailto: or https: addresses (RFC 8460 §3)"
        }
        return nil
    }

    /// `tag=value` pairs separated by ';'.
    static func tags(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            result[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = pair[1].trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}
