import Crypto
import NIOCore
import Synchronization

/// swift-nio-ssl 2.37 has no API for keying material export (BoringSSL's
/// `SSL_export_keying_material` is not reachable: `NIOSSLConnection` and its `SSL *` are
/// internal). It does offer the SSLKEYLOGFILE callback, which hands over TLS 1.3's
/// `EXPORTER_SECRET` during the handshake, keyed by the ClientHello random. This registry matches
/// those lines to connections: `ClientHelloObserver` registers each connection under the random
/// its client sent, and the key-log callback derives the exporter value into that connection's
/// `TLSConnectionState`. The secret itself is never stored or logged; other key-log lines are
/// ignored.
final class TLSExporterCapture: Sendable {
    private let pending = Mutex<[[UInt8]: TLSConnectionState]>([:])

    /// Returns false when another handshake in progress sent the same random (a replayed
    /// ClientHello): then neither gets a binding, so no connection can receive another's value.
    func register(clientRandom: [UInt8], state: TLSConnectionState) -> Bool {
        pending.withLock { pending in
            guard pending[clientRandom] == nil else {
                pending[clientRandom] = nil
                return false
            }
            pending[clientRandom] = state
            return true
        }
    }

    func unregister(clientRandom: [UInt8]) {
        _ = pending.withLock { $0.removeValue(forKey: clientRandom) }
    }

    var pendingCount: Int { pending.withLock { $0.count } }

    /// One NSS key-log line: `LABEL <client random hex> <secret hex>\n`.
    func keyLog(_ line: ByteBuffer) {
        let fields = line.readableBytesView.split(separator: UInt8(ascii: " "))
        guard fields.count == 3, fields[0].elementsEqual("EXPORTER_SECRET".utf8),
              let random = Self.hex(fields[1]), random.count == 32
        else { return }
        let trimmed = fields[2].prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard let secret = Self.hex(trimmed),
              let state = pending.withLock({ $0.removeValue(forKey: random) })
        else { return }
        state.record(exporterSecret: secret)
    }

    static func hex(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for c in text {
            guard let value = nibble(c) else { return nil }
            if let h = high { out.append(h << 4 | value); high = nil } else { high = value }
        }
        return out
    }
}

/// The TLS 1.3 exporter (RFC 8446 §7.5) from the exporter master secret.
enum TLS13Exporter {
    static let channelBindingLabel = "EXPORTER-Channel-Binding"

    /// RFC 9266 §2: label "EXPORTER-Channel-Binding", no context, 32 bytes. The hash is the
    /// cipher suite's, told apart by the secret's length (SHA-256 suites 32, SHA-384 48).
    static func channelBinding(exporterSecret: [UInt8]) -> [UInt8]? {
        switch exporterSecret.count {
        case SHA256.Digest.byteCount: export(SHA256.self, secret: exporterSecret, label: channelBindingLabel, context: [], length: 32)
        case SHA384.Digest.byteCount: export(SHA384.self, secret: exporterSecret, label: channelBindingLabel, context: [], length: 32)
        default: nil
        }
    }

    //   TLS-Exporter(label, context_value, key_length) =
    //       HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)
    //   Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
    static func export<H: HashFunction>(_: H.Type, secret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        let empty = Array(H.hash(data: [UInt8]()))
        let derived = expandLabel(H.self, secret: secret, label: label, context: empty, length: H.Digest.byteCount)
        return expandLabel(H.self, secret: derived, label: "exporter", context: Array(H.hash(data: context)), length: length)
    }

    //   struct { uint16 length = Length; opaque label<7..255> = "tls13 " + Label;
    //            opaque context<0..255> = Context; } HkdfLabel;
    static func expandLabel<H: HashFunction>(_: H.Type, secret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        let fullLabel = Array("tls13 \(label)".utf8)
        var info: [UInt8] = [UInt8(length >> 8), UInt8(length & 0xFF), UInt8(fullLabel.count)]
        info += fullLabel
        info.append(UInt8(context.count))
        info += context
        let key = HKDF<H>.expand(pseudoRandomKey: SymmetricKey(data: secret), info: info, outputByteCount: length)
        return key.withUnsafeBytes { Array($0) }
    }
}
