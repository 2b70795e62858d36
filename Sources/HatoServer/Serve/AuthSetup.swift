import IMAPServer
import MailStore
import MailStorePostgres
import ManageSieveServer
import POP3Server
import SASL
import Reception
import SMTPServer

/// The `[auth]` settings as the SASL layer and the servers take them.
enum AuthSetup {
    /// `auth.mechanisms` in the configured order (names checked by the config loader).
    static func mechanisms(_ settings: HatoConfig) -> [SASLMechanismName] {
        settings.auth.mechanisms.compactMap { SASLMechanismName(wireName: $0) }
    }

    /// One throttle shared by every protocol: a password guessed over POP3 counts for SMTP too.
    /// On the shared PostgreSQL store the counts are the cluster's (`PostgresLoginThrottle`), so
    /// guesses spread over several nodes count as on one (docs/scaling.md).
    static func throttle(_ settings: HatoConfig, store: any MailStore) -> any LoginThrottle {
        var configuration = AuthThrottle.Configuration(
            delayAfterFailures: settings.auth.delayAfterFailures, lockoutAfterFailures: settings.auth.lockoutAfterFailures,
            lockoutDuration: settings.auth.lockoutDuration, knownClientDuration: settings.auth.knownClientDuration)
        configuration.exemptClients = Set(settings.auth.throttleExempt)
        if let shared = store as? PostgresMailStore {
            return PostgresLoginThrottle(store: shared, configuration: configuration, timeout: settings.auth.sharedThrottleTimeout)
        }
        return AuthThrottle(configuration: configuration)
    }
}

extension SMTPConfiguration {
    mutating func applyAuth(_ settings: HatoConfig) {
        sasl = SASLPolicy(mechanisms: AuthSetup.mechanisms(settings), loopbackCountsAsSecure: loopbackIsSecure)
        scramIterations = settings.accounts.scramIterations
    }
}

extension POP3Configuration {
    mutating func applyAuth(_ settings: HatoConfig) {
        sasl = SASLPolicy(mechanisms: AuthSetup.mechanisms(settings), loopbackCountsAsSecure: loopbackIsSecure)
        scramIterations = settings.accounts.scramIterations
    }
}

extension IMAPConfiguration {
    mutating func applyAuth(_ settings: HatoConfig) {
        sasl = SASLPolicy(mechanisms: AuthSetup.mechanisms(settings), loopbackCountsAsSecure: loopbackIsSecure)
        scramIterations = settings.accounts.scramIterations
    }
}

extension ManageSieveConfiguration {
    mutating func applyAuth(_ settings: HatoConfig) {
        sasl = SASLPolicy(mechanisms: AuthSetup.mechanisms(settings), loopbackCountsAsSecure: loopbackIsSecure)
        scramIterations = settings.accounts.scramIterations
    }
}
