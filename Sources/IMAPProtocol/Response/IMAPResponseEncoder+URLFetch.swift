import NIOCore

extension IMAPResponseEncoder {
    /// urlfetch-data = "*" SP "URLFETCH" 1*(SP url-full SP nstring)              (RFC 4467 §9)
    /// urldata-ext = url-full 1*(SP "(" url-metadata-el ")")                       (RFC 5524 §5)
    /// url-meta-bodystruct = "BODYPARTSTRUCTURE" SP body ; url-meta-body = "BODY" SP nstring
    /// url-meta-binary = "BINARY" SP ( nstring / literal8 ): literal8 when the data has NUL.
    /// Data is always a literal (a message part may hold CR, LF and 8-bit octets).
    func writeURLFetchResult(_ result: IMAPURLFetchResult, into b: inout ByteBuffer) {
        b.writeString(" ")
        writeString(result.url, into: &b)
        switch result.value {
        case .simple(let data):
            b.writeString(" ")
            writeNData(data, binary: false, into: &b)
        case .extended(let items):
            for item in items {
                b.writeString(" (")
                switch item {
                case .bodyPartStructure(let body):
                    b.writeString("BODYPARTSTRUCTURE ")
                    writeBody(body, extensible: true, into: &b)
                case .body(let data):
                    b.writeString("BODY ")
                    writeNData(data, binary: false, into: &b)
                case .binary(let data):
                    b.writeString("BINARY ")
                    writeNData(data, binary: data?.contains(0) ?? false, into: &b)
                }
                b.writeString(")")
            }
        }
    }

    private func writeNData(_ data: [UInt8]?, binary: Bool, into b: inout ByteBuffer) {
        guard let data else { b.writeString("NIL"); return }
        writeLiteral(ByteBuffer(bytes: data), binary: binary, into: &b)
    }
}
