/// Why a domain or address was refused. The text is safe to show to a user or log.
public enum MailCoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidDomain(String, String)
    case invalidAddress(String, String)

    public var description: String {
        switch self {
        case .invalidDomain(let text, let why): "invalid domain \"\(text)\": \(why)"
        case .invalidAddress(let text, let why): "invalid address \"\(text)\": \(why)"
        }
    }
}
