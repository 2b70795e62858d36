/// RFC 4467 §7 GENURLAUTH: one rump URL and the mechanism to sign it with.
public struct IMAPGenURLAuthRequest: Sendable, Equatable {
    public var url: String
    /// Uppercased (mechanism names are case-insensitive, §9).
    public var mechanism: String

    public init(url: String, mechanism: String) {
        self.url = url
        self.mechanism = mechanism
    }
}

/// RFC 5524 §3.1 `url-fetch-param`.
public enum IMAPURLFetchParameter: String, Sendable, Equatable {
    case body = "BODY", binary = "BINARY", bodyPartStructure = "BODYPARTSTRUCTURE"
}

/// One URL of a URLFETCH (RFC 4467 §7) and, in the extended form (RFC 5524 §3.1), what to return.
public struct IMAPURLFetchRequest: Sendable, Equatable {
    public var url: String
    /// nil: `url-fetch-simple`; the parameters (maybe none) of `url-fetch-ext`.
    public var parameters: [IMAPURLFetchParameter]?

    public init(url: String, parameters: [IMAPURLFetchParameter]? = nil) {
        self.url = url
        self.parameters = parameters
    }
}

/// RFC 5524 §5 `url-metadata-el`.
public enum IMAPURLMetadata: Sendable, Equatable {
    /// url-meta-bodystruct = "BODYPARTSTRUCTURE" SP body
    case bodyPartStructure(IMAPBodyStructure)
    /// url-meta-body = "BODY" SP nstring
    case body([UInt8]?)
    /// url-meta-binary = "BINARY" SP ( nstring / literal8 ); NIL when it cannot be decoded.
    case binary([UInt8]?)
}

/// One URL's part of a `* URLFETCH` response.
public struct IMAPURLFetchResult: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// RFC 4467 `url-full SP nstring`: NIL when the URL is not valid for any reason.
        case simple([UInt8]?)
        /// RFC 5524 `url-full 1*(SP "(" url-metadata-el ")")`.
        case extended([IMAPURLMetadata])
    }

    public var url: String
    public var value: Value

    public init(url: String, value: Value) {
        self.url = url
        self.value = value
    }
}
