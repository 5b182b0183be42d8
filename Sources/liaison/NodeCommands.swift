import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore
import Logging

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a node: keys, TLS certificate, settings and database.")

    @OptionGroup var options: DataDirectoryOptions
    @Option(help: "The agency's code in the federation, e.g. XA-POL.") var agencyCode: String
    @Option(help: "The agency's name.") var name: String
    @Option(help: "ISO 3166-1 alpha-2 code of the agency's jurisdiction.") var jurisdiction: String
    @Option(help: "The URL partners use to reach this node.") var endpoint: String = "https://127.0.0.1:8443"

    func run() async throws {
        try await reportingOperatorErrors {
            let profile = try NodeProfile(agencyCode: agencyCode, name: name, jurisdiction: jurisdiction, endpoint: endpoint)
            let identity = try await NodeSetup.initialise(dataDirectory: options.dataDir, profile: profile, databaseURL: options.effectiveDatabaseURL)
            print("Initialised node \(identity.agencyCode) in \(options.dataDir)")
            print("Signing key fingerprint:       \(identity.signingKey.fingerprint)")
            print("Key-agreement key fingerprint: \(identity.keyAgreementKey.fingerprint)")
            print("TLS certificate fingerprint:   \(identity.tlsCertificate.fingerprint)")
            print("Next: liaison user add --data-dir \(options.dataDir) --username admin --role administrator --password-stdin")
        }
    }
}

struct Identity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the node's public identity document (JSON) for partners.")

    @Option(help: "The node's data directory.") var dataDir: String

    func run() async throws {
        try await reportingOperatorErrors {
            let node = try NodeDirectory(path: dataDir).load()
            let encoder = JSON.readableEncoder
            print(String(decoding: try encoder.encode(node.identity), as: UTF8.self))
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage the node's users.", subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; the password is read from standard input.")

        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "Lower-case login name.") var username: String
        @Option(help: "One of: \(Role.wireNames).") var role: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Option(help: "Last day of the user's access authorisation, YYYY-MM-DD (it ends at the end of that day, UTC).") var validUntil: String?

        func run() async throws {
            try await reportingOperatorErrors {
                guard passwordStdin else {
                    throw LiaisonError(.invalidInput, "give the password on standard input with --password-stdin (it never goes on the command line)")
                }
                // Validate before touching the database, so a bad call changes nothing.
                try CredentialRules.validateUsername(username)
                guard Role(parsing: role) != nil else { throw LiaisonError(.invalidInput, "role '\(role)' is not one of: \(Role.wireNames)") }
                let end = try validUntil.map { text -> Date in
                    guard let end = CalendarDay.end(of: text) else {
                        throw LiaisonError(.invalidInput, "--valid-until must be a date as YYYY-MM-DD, not '\(text)'")
                    }
                    return end
                }
                if let end, end <= Date() { throw LiaisonError(.invalidInput, "--valid-until must not be in the past") }
                let password = try readPasswordFromStandardInput()
                try await NodeSetup.withDatabase(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { users in
                    let user = try await UserAdministration(users: users, bcryptCost: 12, clock: SystemWallClock()).add(username: username, role: role, password: password, validUntil: end)
                    print("Added \(user.username) (\(user.role.rawValue))" + (end.map { ", authorised until \($0.formatted(.iso8601))" } ?? ""))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End every session and API token of a user at once (a lost laptop, a leaked token); with --end-access also the user's access authorisation.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The user's login name.") var username: String
        @Flag(help: "Also end the user's access authorisation now (sign-in refused until an administrator renews it).") var endAccess = false

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeSetup.withDatabase(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { users in
                    let user = try await UserAdministration(users: users, bcryptCost: 12, clock: SystemWallClock()).revoke(username: username, endingAccess: endAccess)
                    print("Revoked every session and token of \(user.username)" + (endAccess ? "; access ended" : "") + " (token generation \(user.tokenGeneration))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the node's users.")
        @OptionGroup var options: DataDirectoryOptions

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeSetup.withDatabase(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { users in
                    for user in try await users.list() {
                        print("\(user.username)\t\(user.role.rawValue)\t\(user.createdAt.formatted(.iso8601))")
                    }
                }
            }
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the node: HTTP API, web UI and background services.")

    @OptionGroup var options: DataDirectoryOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Largest request body accepted, in bytes.") var maxBodyBytes = 1 << 20
    @Flag(help: "Send cookies without the Secure flag (plain HTTP on loopback only).") var insecureCookies = false
    @Option(help: "Port of the federation listener (TLS) where partners deliver; default: the port of the node's endpoint.") var federationPort: Int?
    @Option(help: "Longest wait between two delivery attempts to a partner that is down, in seconds.") var maxRetryDelay = 300
    @Flag(help: "Serve the federation over plain HTTP and allow http:// partner endpoints, on 127.0.0.1 only.") var insecureLoopback = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "PEM certificate chain for HTTPS on the staff listener (with --tls-key); HSTS is sent then.") var tlsCertificate: String?
    @Option(help: "PEM private key of --tls-certificate.") var tlsKey: String?

    func run() async throws {
        try await reportingOperatorErrors {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw LiaisonError(.configuration, "log level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            guard (0...65535).contains(port) else { throw LiaisonError(.configuration, "port \(port) is not between 0 and 65535") }
            guard maxBodyBytes > 0 else { throw LiaisonError(.configuration, "--max-body-bytes must be positive") }
            var configuration = NodeConfiguration(dataDirectory: options.dataDir)
            configuration.host = host
            configuration.port = port
            configuration.databaseURL = options.effectiveDatabaseURL
            configuration.maxBodyBytes = maxBodyBytes
            configuration.secureCookies = !insecureCookies
            configuration.tlsCertificatePath = tlsCertificate
            configuration.tlsKeyPath = tlsKey
            configuration.logLevel = level
            configuration.insecureLoopback = insecureLoopback
            guard maxRetryDelay >= 1 else { throw LiaisonError(.configuration, "--max-retry-delay must be at least 1 second") }
            configuration.maximumRetryDelay = .seconds(maxRetryDelay)
            if let federationPort {
                guard (0...65535).contains(federationPort) else { throw LiaisonError(.configuration, "federation port \(federationPort) is not between 0 and 65535") }
                configuration.federationPort = federationPort
            } else {
                let endpoint = try NodeDirectory(path: options.dataDir).load(databaseURL: options.effectiveDatabaseURL).settings.profile.endpoint
                configuration.federationPort = URL(string: endpoint)?.port ?? 8443
            }
            EventLoopExecutor.install()
            let app = try await buildApplication(configuration: configuration)
            try await app.run()
        }
    }
}
