import Foundation
public import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
public import LiaisonStore
public import Logging
import NIOCore

/// A built node: the Hummingbird application and what tests and the CLI need to know about it.
public struct LiaisonApplication: Sendable {
    public typealias App = Application<RouterResponder<LiaisonRequestContext>>

    /// The application; run it with `runService()` or put it in a `ServiceGroup`.
    public let application: App
    /// Every route with its declared access rule.
    public let routes: [RouteSpec]
    /// The node's public identity document.
    public let identity: IdentityDocument
    /// The node's database (already migrated), for the CLI and tests.
    public let database: LiaisonDatabase

    /// Runs the node until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try await application.runService()
    }
}

/// The composition root: builds a node's whole application from its configuration.
///
/// Loads the data directory (profile, keys), opens and migrates the database, and wires the
/// routes, middleware and background services. The database runs as a service in the same
/// `ServiceGroup` as the HTTP server and closes after it.
/// - Parameters:
///   - configuration: what to build.
///   - onServerRunning: called with the bound port once the server listens (port 0 → a free port).
/// - Throws: ``LiaisonError`` `.configuration` or `.unavailable`, with a message for the operator.
public func buildApplication(
    configuration: NodeConfiguration,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> LiaisonApplication {
    var logger = Logger(label: "liaison")
    logger.logLevel = configuration.logLevel
    let node = try NodeDirectory(path: configuration.dataDirectory).load(databaseURL: configuration.databaseURL)
    logger[metadataKey: "agency"] = "\(node.settings.profile.agencyCode)"

    let database = LiaisonDatabase(location: node.database, logger: logger)
    do {
        try await database.migrate()
    } catch {
        await database.shutdown()
        throw error
    }

    let users = UserStore(database: database)
    let authenticator = await Authenticator(users: users, signingKey: node.keys.signing, issuer: node.settings.profile.agencyCode, configuration: configuration)
    let resources = try resourceDirectory()
    let renderer = try await PageRenderer.load(resources: resources, identity: node.identity)
    let metrics = NodeMetrics()

    let router = Router(context: LiaisonRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ProblemMiddleware())
    let cookies = CookieNames(agencyCode: node.settings.profile.agencyCode)
    router.add(middleware: AuthenticationMiddleware(authenticator: authenticator, cookies: cookies))
    let routes = RouteTable(router: router)

    HealthController(database: database, metrics: metrics).register(on: routes)
    APIController(
        authenticator: authenticator,
        users: users,
        identity: node.identity,
        openAPIDocument: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("openapi.json"))),
        configuration: configuration
    ).register(on: routes)
    let federation = FederationStore(database: database)
    FederationController(
        administration: FederationAdministration(store: federation, ownAgencyCode: node.settings.profile.agencyCode, clock: configuration.clock),
        store: federation,
        configuration: configuration
    ).register(on: routes)
    WebController(
        renderer: renderer,
        authenticator: authenticator,
        users: users,
        federation: federation,
        configuration: configuration,
        stylesheet: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("static/style.css"))),
        cookies: cookies
    ).register(on: routes)

    let serverLogger = logger
    let application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Liaison"),
        services: [database],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            serverLogger.info("serving", metadata: ["address": "\(configuration.host):\(port)"])
            await onServerRunning(port)
        },
        logger: logger
    )
    return LiaisonApplication(application: application, routes: routes.specs, identity: node.identity, database: database)
}

/// The folder of templates, strings, static files and the OpenAPI document.
func resourceDirectory() throws -> URL {
    guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw LiaisonError(.configuration, "the server's resources are missing from the installation; rebuild Liaison")
    }
    return url
}
