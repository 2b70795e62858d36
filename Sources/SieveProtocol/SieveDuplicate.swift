/// RFC 7352 §3: duplicate [":handle" <handle: string>] [":header" <header-name: string> /
/// ":uniqueid" <value: string>] [":seconds" <timeout: number>] [":last"]
public struct SieveDuplicateSpec: Sendable, Equatable {
    public var handle = ""
    public var header: String?
    public var uniqueID: String?
    public var seconds: Int?
    public var last = false

    public init() {}
}

/// How long a tracked id counts (RFC 7352 §3.3 lets the site bound :seconds): `sieve.duplicate_*`.
public struct SieveDuplicatePolicy: Sendable, Equatable {
    public var defaultPeriod = 7 * 86_400
    public var maximumPeriod = 30 * 86_400

    public init() {}

    func period(_ asked: Int?) -> Int { min(max(asked ?? defaultPeriod, 0), maximumPeriod) }
}

/// An id the delivery records once the message was delivered (RFC 7352 §3: tracking happens only
/// when the script ran to its end): `key` is handle, NUL, unique id; `seconds` how long it counts.
public struct SieveDuplicateRecord: Sendable, Equatable {
    public var key: String
    public var seconds: Int

    public init(key: String, seconds: Int) {
        self.key = key
        self.seconds = seconds
    }
}

extension SieveInterpreter {
    /// RFC 7352 §3: true when the id was tracked before for this handle. A new id is recorded; a
    /// tracked one gets its expiry moved only with `:last`. No id (the header field is absent):
    /// false, nothing recorded.
    mutating func duplicate(_ spec: SieveDuplicateSpec) -> Bool {
        let id: String
        if let unique = spec.uniqueID {
            id = expand(unique)
        } else {
            guard let field = input.header.fields(named: spec.header.map { expand($0) } ?? "Message-ID").first else { return false }
            id = field.value.trimmingWhiteSpace
        }
        guard !id.isEmpty else { return false }
        let key = expand(spec.handle) + "\u{0}" + id
        let seen = input.duplicateSeen?(key) ?? false
        if !seen || spec.last {
            duplicateRecords.removeAll { $0.key == key }
            duplicateRecords.append(SieveDuplicateRecord(key: key, seconds: duplicatePolicy.period(spec.seconds)))
        }
        return seen
    }
}
