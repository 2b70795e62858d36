import Crypto
import Foundation
import MailStore
import PostgresNIO

extension PostgresMailStore {
    /// A body whose stored octets are not what its key says: chunks missing or short, or
    /// content whose SHA-256 is not the key (blobs are content-addressed, PostgresBlobStore).
    public struct BlobProblem: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var problem: String
        public var description: String { "\(key): \(problem)" }
    }

    /// Reads every stored body back and hashes it; returns how many were read, their octets, and
    /// those that do not match their key. One blob in memory at a time.
    public func verifyBlobs() async throws -> (count: Int, octets: Int, problems: [BlobProblem]) {
        let keys = try await read { db in try await db.all("SELECT key FROM blobs ORDER BY key").map { try $0.decode(String.self) } }
        var problems: [BlobProblem] = []
        var octets = 0
        for key in keys {
            do {
                let bytes = try await readBody(BodyReference(path: key))
                octets += bytes.count
                let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
                if digest != key { problems.append(BlobProblem(key: key, problem: "content hashes to \(digest)")) }
            } catch MailStoreError.bodyMissing(let detail) {
                // Nodes go on serving while the check runs: a body whose last reference another
                // node dropped after the listing is removed by that node, which is no problem.
                let stillStored = try await read { db in
                    try await db.value("SELECT count(*) FROM blobs WHERE key = \(key)", as: Int.self) ?? 0
                }
                if stillStored > 0 { problems.append(BlobProblem(key: key, problem: "unreadable (\(detail))")) }
            }
        }
        return (keys.count, octets, problems)
    }
}
