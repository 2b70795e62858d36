import Foundation
import HatoServer
import HatoTesting
import MailStorePostgres
import Testing

/// `[store]`: the embedded store by default, a PostgreSQL URL checked at load, the password from
/// a file or HATO_STORE_PASSWORD and never from the URL (docs/configuration.md).
@Suite struct StoreConfigTests {
    let directory = try! TemporaryDirectory(prefix: "hato-store-config")

    func load(_ text: String, environment: [String: String] = [:]) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: environment).settings
    }

    func error(_ text: String) -> String {
        do { _ = try load(text) } catch { return "\(error)" }
        return "no error"
    }

    @Test func embeddedByDefault() throws {
        let settings = try load("")
        #expect(settings.store.backend == .sqlite)
        #expect(settings.store.postgres == nil)
        #expect(settings.store.maxConnections == 20 && settings.store.chunkSize == 262_144)
    }

    @Test func readsThePostgresSettings() throws {
        try "s3cret\nignored\n".write(to: directory.url.appendingPathComponent("pw"), atomically: true, encoding: .utf8)
        let settings = try load("""
            [store]
            backend = "postgres"
            url = "postgres://hato@db.example.test:6543/mail"
            password_file = "pw"
            tls = "require"
            max_connections = 8
            """)
        #expect(settings.store.backend == .postgres)
        #expect(settings.store.postgres == PostgresConnectionSettings(host: "db.example.test", port: 6543, username: "hato",
                                                                     database: "mail", tls: .require))
        #expect(settings.store.maxConnections == 8)
        #expect(try settings.store.password() == "s3cret", "the first line of password_file")
        let fromEnvironment = try load("[store]\nbackend = \"postgres\"\nurl = \"postgres://hato@db/mail\"\n",
                                       environment: ["HATO_STORE_PASSWORD": "from-env"])
        #expect(try fromEnvironment.store.password(environment: ["HATO_STORE_PASSWORD": "from-env"]) == "from-env",
                "HATO_STORE_PASSWORD is accepted by the loader and used without a password_file")
        #expect(fromEnvironment.store.postgres?.tls == .prefer, "TLS preferred by default")
    }

    @Test func refusesWhatCannotWork() {
        #expect(error("[store]\nbackend = \"postgres\"\n").contains("store.url: is required with store.backend = \"postgres\""))
        #expect(error("[store]\nbackend = \"postgres\"\nurl = \"postgres://hato:pw@db/mail\"\n").contains("no password in the url"))
        #expect(error("[store]\nbackend = \"postgres\"\nurl = \"mysql://hato@db/mail\"\n").contains("store.url"))
        #expect(error("[store]\nbackend = \"mongodb\"\n").contains("store.backend"))
        #expect(error("[store]\nchunk_size = 100\n").contains("store.chunk_size"))
    }
}
