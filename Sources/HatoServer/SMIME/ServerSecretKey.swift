// The server key: 32 random bytes in `<data_dir>/server-secret.key` (mode 0600), made the
// first time a secret has to be stored, which seals secrets kept in the store (S/MIME private
// keys) with AES-256-GCM (NIST SP 800-38D). A copy of the database alone reveals no key; the
// data directory as a whole still does, so back it up as a secret (docs/smime.md).

import Crypto
import Foundation

public struct ServerSecretKey: Sendable {
    public static let fileName = "server-secret.key"
    /// "HSK1": the format of a sealed value (nonce, ciphertext, tag follow).
    static let magic: [UInt8] = Array("HSK1".utf8)
    let key: SymmetricKey

    init(key: SymmetricKey) { self.key = key }

    /// The data directory's key, made (and owned like the directory) when `create` and absent.
    public static func load(dataDirectory: URL, create: Bool) throws -> ServerSecretKey {
        let url = dataDirectory.appendingPathComponent(fileName)
        if let data = FileManager.default.contents(atPath: url.path) {
            guard data.count == 32 else { throw ServerSecretKeyError("\(url.path) is not a server key (\(data.count) bytes, expected 32)") }
            return ServerSecretKey(key: SymmetricKey(data: data))
        }
        guard create else { throw ServerSecretKeyError("\(url.path) does not exist (it is made by the first `hato smime import`)") }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Array($0) }
        // O_EXCL: two commands racing make one key, the loser reads the winner's.
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return try load(dataDirectory: dataDirectory, create: false) }
            throw ServerSecretKeyError("cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else {
            unlink(url.path)
            throw ServerSecretKeyError("cannot write \(url.path)")
        }
        // Run as root by an operator: give the file to whoever owns the data directory (the
        // service user), so `hato serve` after its privilege drop can read it.
        if geteuid() == 0, let attributes = try? FileManager.default.attributesOfItem(atPath: dataDirectory.path),
           let uid = attributes[.ownerAccountID] as? NSNumber, let gid = attributes[.groupOwnerAccountID] as? NSNumber {
            _ = chown(url.path, uid.uint32Value, gid.uint32Value)
        }
        return ServerSecretKey(key: key)
    }

    /// `secret` sealed; `context` (what the secret belongs to) is authenticated with it, so a
    /// sealed value moved to another row does not open.
    public func seal(_ secret: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(secret, using: key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw ServerSecretKeyError("cannot seal") }
        return Self.magic + Array(combined)
    }

    public func unseal(_ sealed: [UInt8], context: String) throws -> [UInt8] {
        guard sealed.starts(with: Self.magic) else { throw ServerSecretKeyError("not a sealed value") }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst(Self.magic.count))
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(context.utf8)))
        } catch {
            throw ServerSecretKeyError("cannot open a sealed key: wrong \(Self.fileName) for this store?")
        }
    }
}

public struct ServerSecretKeyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
