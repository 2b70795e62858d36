import Crypto
import Foundation
import Synchronization

/// The dashboard's logged-in sessions, in memory only (a restart logs everybody out). The
/// browser holds a random 256-bit id in a cookie; the server keys its table by the id's SHA-256,
/// so neither a lookup's timing nor a copy of the table gives a usable id. Each session ends
/// `sessionLifetime` after its login, checked here on every request, whatever the cookie says;
/// at most `maxSessions` are kept, and a login beyond that ends the oldest.
public final class DashboardSessions: Sendable {
    public struct Session: Sendable, Equatable {
        public let username: String
        public let created: Date
        public let expires: Date
    }

    private let table = Mutex<[Data: Session]>([:])
    private let limits: DashboardLimits

    public init(limits: DashboardLimits) {
        self.limits = limits
    }

    /// A new session for `username`; returns the id for the cookie (64 hex digits).
    public func create(username: String, now: Date) -> String {
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
        let bytes = (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        let lifetime = Double(limits.sessionLifetime.components.seconds)
        let session = Session(username: username, created: now, expires: now.addingTimeInterval(lifetime))
        table.withLock { table in
            table = table.filter { $0.value.expires > now }
            while table.count >= max(limits.maxSessions, 1), let oldest = table.min(by: { $0.value.created < $1.value.created }) {
                table[oldest.key] = nil
            }
            table[Self.key(id)] = session
        }
        return id
    }

    /// The live session with this id; an expired one is removed and gives nil.
    public func session(_ id: String, now: Date) -> Session? {
        guard id.utf8.count == 64, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        let key = Self.key(id)
        return table.withLock { table in
            guard let session = table[key] else { return nil }
            guard session.expires > now else {
                table[key] = nil
                return nil
            }
            return session
        }
    }

    public func end(_ id: String) {
        let key = Self.key(id)
        _ = table.withLock { $0.removeValue(forKey: key) }
    }

    public var count: Int { table.withLock { $0.count } }

    static func key(_ id: String) -> Data { Data(SHA256.hash(data: Data(id.utf8))) }
}
