/// Rows as `hato store migrate` moves them from one backend to another (docs/scaling.md
/// "Moving a single node to PostgreSQL"): the backends' schemas have the same tables and columns
/// (MailStorePostgres's `PostgresSchema` mirrors MailStoreSQLite's migrations), so a row travels
/// as the values of its named columns, converted to the type the target column has.
public enum StoreValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A column's type as the transfer sees it: SQLite's storage classes, plus the booleans
/// PostgreSQL keeps where SQLite keeps 0 and 1.
public enum StoreColumnType: String, Sendable, Hashable {
    case integer, boolean, real, text, blob
}

/// A value that does not fit the target column (a text in an integer column, say).
public struct StoreTransferError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StoreValue {
    /// The value as a column of `type` holds it: booleans become 0 or 1, integers in a real
    /// column become reals (SQLite's REAL affinity does the same), integral reals in an integer
    /// column become integers, and text in a blob column its UTF-8 octets.
    public func converted(to type: StoreColumnType) throws(StoreTransferError) -> StoreValue {
        switch (self, type) {
        case (.null, _): return .null
        case (.integer(let value), .integer): return .integer(value)
        case (.integer(let value), .boolean): return .integer(value == 0 ? 0 : 1)
        case (.integer(let value), .real): return .real(Double(value))
        case (.real(let value), .real): return .real(value)
        case (.real(let value), .integer) where value.rounded() == value && abs(value) < 9.0e18: return .integer(Int64(value))
        case (.text(let value), .text): return .text(value)
        case (.text(let value), .blob): return .blob(Array(value.utf8))
        case (.blob(let value), .blob): return .blob(value)
        case (.blob(let value), .text):
            guard let text = String(validating: value, as: UTF8.self) else {
                throw StoreTransferError("a blob that is not UTF-8 in a text column")
            }
            return .text(text)
        default: throw StoreTransferError("a \(self.kind) value in a \(type.rawValue) column")
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }

    /// One row in a canonical byte form, the same for equal rows on either backend: what the
    /// migration's verification hashes (a tag, a length where needed, the value).
    public static func canonical(_ row: [StoreValue]) -> [UInt8] {
        var out: [UInt8] = []
        func append64(_ value: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
        for value in row {
            switch value {
            case .null: out.append(0)
            case .integer(let number): out.append(1); append64(UInt64(bitPattern: number))
            case .real(let number): out.append(2); append64((number == 0 ? 0 : number).bitPattern)
            case .text(let text): out.append(3); append64(UInt64(text.utf8.count)); out += Array(text.utf8)
            case .blob(let bytes): out.append(4); append64(UInt64(bytes.count)); out += bytes
            }
        }
        return out
    }
}
