import Foundation
import HatoTesting
import Testing

/// Certificates made with the openssl command line (a tool nobody here wrote), with a chosen
/// serial number and names, for the TLS tests of the real server.
enum TestCertificates {
    struct Pair {
        let certificate: URL
        let key: URL
    }

    /// A self-signed P-256 certificate for `names` (the first is the CN).
    static func make(_ names: [String], serial: String, in directory: URL, file: String) async throws -> Pair {
        let certificate = directory.appendingPathComponent("\(file).crt"), key = directory.appendingPathComponent("\(file).key")
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/openssl"), arguments: [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-keyout", key.path, "-out", certificate.path, "-subj", "/CN=\(names[0])", "-set_serial", serial,
            "-addext", "subjectAltName=" + names.map { "DNS:\($0)" }.joined(separator: ","),
        ])
        process.closeInput()
        let status = await process.exit(timeout: 60)
        try #require(status == 0, "openssl req failed: \(process.errorOutput)")
        return Pair(certificate: certificate, key: key)
    }
}

extension ServedHato {
    /// Stops the server and expects a clean exit (status 0).
    func stop() async {
        let status = await terminate()
        #expect(status == 0, "\(process.errorOutput)")
    }
}
