// Verifying External Destinations (RFC 9990 §3, as RFC 7489 §7.1 had it): before a report about
// policy domain P goes to a mailbox in another domain R, R must agree by publishing a TXT
// record starting with "v=DMARC1" at P._report._dmarc.R. Without it, anyone could point rua= at
// a victim and have every receiver mail it reports.
//
// "Another domain" is decided without the Organizational Domain, which the stored evaluation
// does not carry: R is the same destination when it is P, a parent of P or a subdomain of P.
// Siblings under one Organizational Domain (a.example and b.example) are checked, which asks
// more of them than the RFC does; only a missing record costs them a report.

import DNSMessage

public enum DestinationAuthorization: Sendable, Equatable {
    /// Same domain, or the destination published its consent.
    case authorized
    /// The TXT lookup answered with no v=DMARC1 record: the report must not be sent.
    case refused
    /// The DNS did not answer; try again at the next run.
    case temporaryFailure(String)
}

public enum ExternalDestinationCheck {
    /// Whether `destinationDomain` is the policy domain's own.
    public static func isInternal(policyDomain: String, destinationDomain: String) -> Bool {
        let policy = policyDomain.lowercased().trimmingTrailingDot
        let destination = destinationDomain.lowercased().trimmingTrailingDot
        return policy == destination || policy.hasSuffix("." + destination) || destination.hasSuffix("." + policy)
    }

    public static func authorize(policyDomain: String, destinationDomain: String, resolver: any DNSResolving) async -> DestinationAuthorization {
        if isInternal(policyDomain: policyDomain, destinationDomain: destinationDomain) { return .authorized }
        let name = "\(policyDomain.lowercased().trimmingTrailingDot)._report._dmarc.\(destinationDomain.lowercased().trimmingTrailingDot)"
        do {
            let texts = try await resolver.lookup(name, .txt).records.compactMap(\.data.joinedText)
            // RFC 7489 §7.1 step 4: any record beginning "v=DMARC1" (other tags are ignored here).
            return texts.contains { $0.hasPrefix("v=DMARC1") } ? .authorized : .refused
        } catch {
            return error.isNotFound ? .refused : .temporaryFailure("\(name): \(error)")
        }
    }
}

extension String {
    var trimmingTrailingDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
