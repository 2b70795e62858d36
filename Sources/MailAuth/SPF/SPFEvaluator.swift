// check_host(), RFC 7208 §4: record lookup and selection (§4.4, §4.5), evaluation of terms in
// order (§4.6), the default result and redirect= (§4.7, §6.1), explanations (§6.2), and the
// processing limits shared by the whole evaluation, includes and redirects too (§4.6.4).

import DNSMessage

/// Ends an evaluation early with temperror or permerror.
enum SPFAbort: Error {
    case temperror(String)
    case permerror(String)
}

struct SPFCheckResult {
    var result: SPFResult
    var mechanism: String?
    var explanation: String?
}

/// One check_host() evaluation and its shared counters. Not shared between checks.
final class SPFEvaluator {
    let resolver: any DNSResolving
    let limits: SPFLimits
    var context: SPFMacroContext
    let deadline: ContinuousClock.Instant
    var dnsTerms = 0
    var voidLookups = 0
    /// DNSSEC status of the first record lookup: the policy of the checked domain itself
    /// (docs/dns.md, DNSSEC). Includes and mechanism lookups are not counted.
    private(set) var policySecurity: DNSSecurityStatus?
    private var validatedNameCache: String?? = nil

    init(resolver: any DNSResolving, limits: SPFLimits, context: SPFMacroContext) {
        self.resolver = resolver
        self.limits = limits
        self.context = context
        self.deadline = .now + .seconds(limits.maxSeconds)
    }

    /// §4.3: a <domain> that is malformed or not multi-label gives "none".
    static func isWellFormedDomain(_ domain: String) -> Bool {
        var name = Substring(domain)
        if name.hasSuffix(".") { name = name.dropLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, name.utf8.count <= SPFLimits.maxExpandedDomainLength else { return false }
        return labels.allSatisfy { !$0.isEmpty && $0.utf8.count <= DNSLimits.maxLabelLength }
    }

    /// check_host(<ip>, <domain>, <sender>) for the current context's ip and sender.
    func checkHost(_ domain: String) async throws(SPFAbort) -> SPFCheckResult {
        guard SPFEvaluator.isWellFormedDomain(domain), let name = try? DNSName(domain) else {
            return SPFCheckResult(result: .none)
        }
        guard let text = try await selectRecord(name) else { return SPFCheckResult(result: .none) }
        let record: SPFRecord
        do { record = try SPFRecord.parsed(text) } catch {
            throw .permerror("syntax error in the record of \(domain): \(error.message)")
        }
        let saved = context.domain
        context.domain = domain
        defer { context.domain = saved }

        for directive in record.directives {
            if try await matches(directive.mechanism) {
                var outcome = SPFCheckResult(result: directive.qualifier.result, mechanism: directive.text)
                if outcome.result == .fail, let exp = record.explanation {
                    outcome.explanation = await explanation(exp)
                }
                return outcome
            }
        }
        // §5.1 / §6.1: redirect is ignored when the record has an "all" mechanism.
        let hasAll = record.directives.contains { $0.mechanism == .all }
        if let redirect = record.redirect, !hasAll {
            try countDNSTerm()
            let target = try await expandDomain(redirect)
            let result = try await checkHost(target)
            // §6.1: no record or a malformed target at the redirect is permerror, not none.
            if result.result == .none { throw .permerror("redirect to \(target), which has no SPF record") }
            return result
        }
        return SPFCheckResult(result: .neutral, mechanism: "default")
    }

    /// §4.4 and §4.5: the TXT RRset, records starting "v=spf1"; none, one, or permerror.
    private func selectRecord(_ name: DNSName) async throws(SPFAbort) -> String? {
        let texts: [String]
        try checkDeadline()
        do {
            let answer = try await resolver.lookup(name, .txt)
            if policySecurity == nil { policySecurity = answer.security }
            texts = answer.records.compactMap(\.data.joinedText)
        } catch {
            if policySecurity == nil { policySecurity = error.security }
            if error.isNotFound { return nil }
            throw .temperror("TXT lookup for \(name.relativeDescription) failed: \(error)")
        }
        let records = texts.filter(SPFRecord.isSPF)
        guard records.count <= 1 else { throw .permerror("\(name.relativeDescription) has more than one SPF record") }
        return records.first
    }

    func countDNSTerm() throws(SPFAbort) {
        dnsTerms += 1
        if dnsTerms > limits.maxDNSTerms { throw .permerror("more than \(limits.maxDNSTerms) DNS-querying terms") }
    }

    /// Counts a void lookup (§4.6.4) and aborts past the limit.
    func countVoid() throws(SPFAbort) {
        voidLookups += 1
        if voidLookups > limits.maxVoidLookups {
            throw .permerror("more than \(limits.maxVoidLookups) void lookups")
        }
    }

    /// Called before each DNS lookup: §4.6.4 asks for an overall time limit (temperror).
    func checkDeadline() throws(SPFAbort) {
        guard ContinuousClock.now < deadline else { throw .temperror("SPF evaluation took too long") }
    }

    /// Expands a domain-spec, fetching %{p} first when it is used.
    func expandDomain(_ spec: SPFMacroString) async throws(SPFAbort) -> String {
        if spec.usesValidatedName { context.validatedName = await validatedName() }
        return spec.expandDomain(in: context)
    }

    /// §7.3 %{p}: the validated name equal to <domain>, else one below it, else any, else "unknown".
    func validatedName() async -> String {
        if let cached = validatedNameCache { return cached ?? "unknown" }
        let names = (try? await validatedPTRNames()) ?? []
        let domain = (try? DNSName(context.domain)) ?? .root
        let chosen = names.first { $0 == domain } ?? names.first { $0.isSubdomain(of: domain) } ?? names.first
        let text = chosen?.relativeDescription
        validatedNameCache = .some(text)
        return text ?? "unknown"
    }

    /// §6.2: the explanation string, or nil on any problem (which means "no exp=").
    private func explanation(_ spec: SPFMacroString) async -> String? {
        guard let target = try? await expandDomain(spec), let name = try? DNSName(target),
              let texts = try? await resolver.lookupTXT(name), texts.count == 1,
              let explain = try? SPFMacroString.parse(Substring(texts[0]), allowSpace: true)
        else { return nil }
        if explain.usesValidatedName { context.validatedName = await validatedName() }
        let text = explain.expand(in: context)
        guard text.allSatisfy({ $0.isASCII }) else { return nil }
        return String(text.prefix(limits.maxExplanationLength))
    }
}
