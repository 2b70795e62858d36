import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Query helpers over PostgresNIO. Statements are bound (`PostgresQuery` interpolation sends
/// every value as a parameter), never spliced into SQL text.
enum SQL {
    /// Statement-level logging is off: queries carry addresses and message metadata.
    static let logger = Logger(label: "hato.store.sql", factory: { _ in SwiftLogNoOpLogHandler() })

    static func bytes(_ buffer: ByteBuffer?) -> [UInt8]? { buffer.map { Array($0.readableBytesView) } }
    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
    static func buffer(_ data: Data?) -> ByteBuffer? { data.map { ByteBuffer(bytes: $0) } }
    static func data(_ buffer: ByteBuffer?) -> Data? { buffer.map { Data($0.readableBytesView) } }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

extension PostgresConnection {
    /// Every row of the result.
    func all(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.query(query, logger: SQL.logger).collect()
    }

    /// Runs a statement; returns how many rows it returned (statements that must report how many
    /// rows they changed say `RETURNING 1`).
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> Int {
        try await all(query).count
    }

    /// The first column of the first row, nil when there is no row.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? {
        guard let row = try await all(query).first else { return nil }
        return try row.decode(T.self)
    }

    /// Whether the query returned a row.
    func exists(_ query: PostgresQuery) async throws -> Bool {
        try await !all(query).isEmpty
    }
}
