/// What a sender asked for one recipient with the SMTP DSN extension (RFC 3461 §4): NOTIFY and
/// ORCPT as typed values, carried from RCPT TO through local delivery, the queue and the SMTP
/// client to the delivery status notification, instead of strings split again at every step.
public struct DSNRequest: Sendable, Hashable {
    /// NOTIFY; nil when the client did not say, which means "failure and delay" to the reporting
    /// MTA (RFC 3461 §4.1: the default is left to the implementation; Hato reports both).
    public var notify: DSNNotify?
    /// ORCPT; nil when the client did not send one.
    public var originalRecipient: OriginalRecipient?

    public init(notify: DSNNotify? = nil, originalRecipient: OriginalRecipient? = nil) {
        self.notify = notify
        self.originalRecipient = originalRecipient
    }

    /// Whether a report of `outcome` should be sent. Success is reported only when asked for;
    /// failure and delay unless NOTIFY left them out (RFC 3461 §4.1, §6.2).
    public func wants(_ outcome: DSNNotify) -> Bool {
        guard let notify else { return outcome != .success }
        return notify.isSuperset(of: outcome)
    }
}

/// NOTIFY (RFC 3461 §4.1): the outcomes the sender wants reported; the empty set is NEVER.
public struct DSNNotify: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let success = DSNNotify(rawValue: 1)
    public static let failure = DSNNotify(rawValue: 2)
    public static let delay = DSNNotify(rawValue: 4)
    public static let never: DSNNotify = []

    //  notify-esmtp-value  = "NEVER" / 1#notify-list-element
    //  notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"      (RFC 3461 §4.1)
    /// Parses the esmtp-value (keywords in any letter case); nil when it is not one, e.g. NEVER
    /// together with another element, an empty element or an unknown word.
    public init?(parameterValue: some StringProtocol) {
        let elements = parameterValue.uppercased().split(separator: ",", omittingEmptySubsequences: false)
        if elements == ["NEVER"] { self = .never; return }
        var result: DSNNotify = []
        for element in elements {
            switch element {
            case "SUCCESS": result.insert(.success)
            case "FAILURE": result.insert(.failure)
            case "DELAY": result.insert(.delay)
            default: return nil
            }
        }
        self = result
    }

    /// The esmtp-value: "NEVER", or the elements in the order SUCCESS, FAILURE, DELAY.
    public var description: String {
        if isEmpty { return "NEVER" }
        var words: [String] = []
        if contains(.success) { words.append("SUCCESS") }
        if contains(.failure) { words.append("FAILURE") }
        if contains(.delay) { words.append("DELAY") }
        return words.joined(separator: ",")
    }
}

/// ORCPT (RFC 3461 §4.2): the recipient address as the original sender gave it, with its type
/// ("rfc822", or "utf-8" for RFC 6533). The address is held decoded (no xtext).
public struct OriginalRecipient: Sendable, Hashable, CustomStringConvertible {
    public var addressType: String
    public var address: String

    public init(addressType: String, address: String) {
        self.addressType = addressType
        self.address = address
    }

    /// "rfc822;<address>" for a recipient that came without ORCPT (RFC 3461 §4.2: a relaying MTA
    /// may supply it from the RCPT address).
    public init(rfc822 address: EmailAddress) {
        self.init(addressType: "rfc822", address: address.description)
    }

    /// "addr-type;address", decoded: the stored form, and the form of the Original-Recipient
    /// field of a report (RFC 3464 §2.3.1) without its space.
    public var description: String { "\(addressType);\(address)" }

    /// Reads the stored form back; nil when there is no type before a semicolon or no address.
    public init?(stored: some StringProtocol) {
        guard let semicolon = stored.firstIndex(of: ";") else { return nil }
        let type = stored[..<semicolon], address = stored[stored.index(after: semicolon)...]
        guard !type.isEmpty, !address.isEmpty else { return nil }
        self.init(addressType: String(type), address: String(address))
    }
}
