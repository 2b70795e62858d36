// The stages Hato runs on its SMTP listeners, in the order that makes their edits compose.

import MailStore

extension ReceptionPipeline {
    /// The standard pipeline. Message-phase order: submission fix-ups, removal of forged
    /// Authentication-Results, DKIM signing (over the fixed-up message), trace fields, then the
    /// DKIM/ARC/DMARC verdict on top; `extra` stages (risk, milters, ...) run last.
    /// `beforeSigning` stages edit submitted mail before DKIM signs it (Autocrypt, S/MIME).
    public static func standard(store: any MailStore, spf: SPFPolicy?, signer: (any MessageSigner)?,
                                authentication: InboundAuthenticationPolicy?, beforeSigning: [any ReceptionStage] = [],
                                extra: [any ReceptionStage] = []) -> ReceptionPipeline {
        var stages: [any ReceptionStage] = []
        // DMARC's lookups for the envelope domain start before SPF's, so the two overlap.
        if let authentication { stages.append(DMARCPrefetchStage(authenticator: authentication.authenticator)) }
        if let spf { stages.append(SPFStage(policy: spf)) }
        stages.append(SubmissionStage(store: store))
        stages.append(RecipientStage(store: store))
        stages.append(ForgedResultsStage())
        stages += beforeSigning
        if let signer { stages.append(SigningStage(signer: signer)) }
        stages.append(TraceStage(writesSPFResults: authentication == nil))
        if let authentication { stages.append(AuthenticationStage(policy: authentication, store: store)) }
        return ReceptionPipeline(stages: stages + extra)
    }
}
