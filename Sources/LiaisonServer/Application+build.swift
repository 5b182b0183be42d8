public import Foundation
public import Hummingbird
public import HummingbirdTLS
public import HummingbirdCore
public import Crypto
public import NIOSSL
public import ServiceLifecycle
public import LiaisonCore
public import LiaisonCrypto
public import LiaisonSafeguards
public import LiaisonStore
public import Logging
public import NIOCore

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
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onFederationRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> LiaisonApplication {
    var logger = Logger(label: "liaison")
    logger.logLevel = configuration.logLevel
    // Checked before the database opens: a bad TLS setting changes nothing.
    let staffTLS = try staffTLSConfiguration(configuration)
    let node = try NodeDirectory(path: configuration.dataDirectory).load(databaseURL: configuration.databaseURL)
    logger[metadataKey: "agency"] = "\(node.settings.profile.agencyCode)"

    let database = LiaisonDatabase(location: node.database, logger: logger)
    do {
        try await database.migrate()
    } catch {
        await database.shutdown()
        throw error
    }

    let services: NodeServices
    do {
        services = try NodeServices(node: node, configuration: configuration, database: database, logger: logger)
    } catch {
        await database.shutdown()
        throw error
    }
    let authenticator = await Authenticator(users: services.users, signingKey: node.keys.signing, issuer: services.agencyCode, configuration: configuration, audit: services.trail)
    let resources = try resourceDirectory()
    let renderer = try await PageRenderer.load(resources: resources, identity: node.identity)
    let metrics = NodeMetrics()
    let forms = FormReader(maxBodyBytes: configuration.maxBodyBytes)

    let router = Router(context: LiaisonRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: staffTLS != nil))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ProblemMiddleware())
    let cookies = CookieNames(agencyCode: services.agencyCode)
    router.add(middleware: AuthenticationMiddleware(authenticator: authenticator, cookies: cookies))
    let routes = RouteTable(router: router, audit: services.trail)

    // The JSON API.
    HealthController(database: database, metrics: metrics, hits: services.hits).register(on: routes)
    APIController(
        authenticator: authenticator, users: services.users, identity: node.identity,
        openAPIDocument: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("openapi.json"))), configuration: configuration
    ).register(on: routes)
    AuditController(log: services.auditLog, store: services.auditStore).register(on: routes)
    AlertController(store: services.witnessStore).register(on: routes)
    RetentionController(sweeper: services.retention, configuration: configuration).register(on: routes)
    CaseController(cases: services.cases, configuration: configuration).register(on: routes)
    JITController(service: services.jits, configuration: configuration).register(on: routes)
    InstrumentController(service: services.instruments, configuration: configuration).register(on: routes)
    FinanceController(service: services.finance, configuration: configuration).register(on: routes)
    SubjectRequestController(rights: services.rights, configuration: configuration).register(on: routes)
    OversightController(monitor: services.oversight, configuration: configuration).register(on: routes)
    MessageController(service: services.messageService, messages: services.messages, federation: services.federation, blobs: services.blobs, configuration: configuration)
        .register(on: routes)
    ApprovalController(approvals: services.approvals, configuration: configuration).register(on: routes)
    FederationController(administration: services.federationAdministration, store: services.federation, configuration: configuration).register(on: routes)
    EvidenceController(service: services.evidence, packages: services.packages, transfers: services.transfers, safeguards: services.safeguards, configuration: configuration)
        .register(on: routes)
    ScreeningController(service: services.screening, store: services.screeningStore, configuration: configuration).register(on: routes)
    let hitController = HitController(service: services.hits, partners: services.hitPartners, followUps: services.followUps)
    hitController.register(on: routes)
    hitController.registerPartnerRoutes(on: routes)

    // The web pages.
    WebController(
        renderer: renderer, authenticator: authenticator, users: services.users, federation: services.federation, configuration: configuration,
        stylesheet: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("static/style.css"))), cookies: cookies, jits: services.jits,
        instruments: services.instruments, formScript: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("static/instrument-form.js")))
    ).register(on: routes)
    MessagePages(renderer: renderer, service: services.messageService, messages: services.messages, federation: services.federation, forms: forms, configuration: configuration)
        .register(on: routes)
    ApprovalPages(renderer: renderer, approvals: services.approvals, forms: forms, clock: configuration.clock).register(on: routes)
    CasePages(renderer: renderer, cases: services.cases, forms: forms).register(on: routes)
    JITPages(renderer: renderer, service: services.jits, forms: forms).register(on: routes)
    InstrumentPages(renderer: renderer, service: services.instruments, forms: forms, labels: FormLabels.load(resources: resources)).register(on: routes)
    FinancePages(renderer: renderer, service: services.finance, forms: forms, federation: services.federation, agency: services.agencyCode).register(on: routes)
    EvidencePages(
        renderer: renderer, service: services.evidence, packages: services.packages, transfers: services.transfers, federation: services.federation,
        safeguards: services.safeguards, forms: forms
    ).register(on: routes)
    AuditPages(renderer: renderer, log: services.auditLog, store: services.auditStore, witnesses: services.witnessStore, identity: node.identity).register(on: routes)
    RetentionPages(renderer: renderer, sweeper: services.retention, forms: forms, clock: configuration.clock).register(on: routes)
    SubjectRequestPages(renderer: renderer, rights: services.rights, forms: forms, clock: configuration.clock).register(on: routes)
    OversightPages(renderer: renderer, monitor: services.oversight, clock: configuration.clock, forms: forms).register(on: routes)
    ScreeningPages(renderer: renderer, service: services.screening, store: services.screeningStore, forms: forms).register(on: routes)
    HitPages(renderer: renderer, service: services.hits, partners: services.hitPartners, followUps: services.followUps, federation: services.federation, forms: forms)
        .register(on: routes)

    var jobs = services.jobs(federating: configuration.federationPort != nil)
    let http1 = HTTP1Channel.Configuration(idleTimeout: .nanoseconds(configuration.connectionIdleTimeout.components.seconds * 1_000_000_000))
    var federationSpecs: [RouteSpec] = []
    if let federationPort = configuration.federationPort {
        let federationRouter = Router(context: LiaisonRequestContext.self)
        federationRouter.add(middleware: SecurityHeadersMiddleware())
        federationRouter.add(middleware: MetricsMiddleware(metrics: metrics))
        federationRouter.add(middleware: ProblemMiddleware())
        if !configuration.insecureLoopback { federationRouter.add(middleware: PartnerPeerMiddleware(partners: PartnerCertificates(federation: services.federation))) }
        let federationRoutes = RouteTable(router: federationRouter, audit: services.trail)
        FederationEndpoint(service: services.messageService, trail: services.trail, identity: node.identity, configuration: configuration, metrics: metrics)
            .register(on: federationRoutes)
        HitFederationEndpoint(partners: services.hitPartners, followUps: services.followUps, configuration: configuration).register(on: federationRoutes)
        WitnessEndpoint(witness: services.witness, audit: services.auditStore).register(on: federationRoutes)
        JITFederationEndpoint(service: services.jits).register(on: federationRoutes)
        federationSpecs = federationRoutes.specs
        let server: HTTPServerBuilder
        if configuration.insecureLoopback {
            guard ["127.0.0.1", "localhost"].contains(configuration.host) else {
                throw LiaisonError(.configuration, "--insecure-loopback serves the federation without TLS and is allowed only with --host 127.0.0.1")
            }
            server = .http1(configuration: http1)
        } else {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try node.keys.tlsCertificatePEM().utf8), format: .pem))],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(node.keys.tlsKey.pemRepresentation.utf8), format: .pem))
            )
            tls.minimumTLSVersion = .tlsv12
            // Mutual TLS: a client certificate is asked for and, when presented, checked against
            // the partners' pinned certificates by PartnerPeerMiddleware before any body is read
            // (partners are self-signed and pinned, so no chain is built here).
            tls.certificateVerification = .optionalVerification
            server = try .tls(.http1(configuration: http1), configuration: TLSChannelConfiguration(tlsConfiguration: tls, customAsyncVerificationCallback: { _ in .certificateVerified }))
        }
        let federationLogger = logger
        jobs.append(Application(
            router: federationRouter,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: federationPort), serverName: "Liaison federation"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? federationPort
                federationLogger.info("federation listening", metadata: ["address": "\(configuration.host):\(port)", "tls": "\(!configuration.insecureLoopback)"])
                await onFederationRunning(port)
            },
            logger: logger
        ))
    }

    let serverLogger = logger
    let application = Application(
        router: router,
        server: try staffTLS.map { try .tls(.http1(configuration: http1), tlsConfiguration: $0) } ?? .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Liaison"),
        services: jobs,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            serverLogger.info("serving", metadata: ["address": "\(configuration.host):\(port)"])
            await onServerRunning(port)
        },
        logger: logger
    )
    return LiaisonApplication(application: application, routes: routes.specs + federationSpecs, identity: node.identity, database: database)
}

/// The folder of templates, strings, static files and the OpenAPI document.
func resourceDirectory() throws -> URL {
    guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw LiaisonError(.configuration, "the server's resources are missing from the installation; rebuild Liaison")
    }
    return url
}

/// The staff listener's TLS configuration from the configured certificate and key files, or `nil`
/// when neither is set.
/// - Throws: ``LiaisonError`` `.configuration` when only one is set or a file cannot be read.
func staffTLSConfiguration(_ configuration: NodeConfiguration) throws -> TLSConfiguration? {
    switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
    case (nil, nil):
        return nil
    case (let certificatePath?, let keyPath?):
        do {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            )
            tls.minimumTLSVersion = .tlsv12
            return tls
        } catch {
            throw LiaisonError(.configuration, "cannot read the TLS certificate \(certificatePath) or key \(keyPath): \(error)")
        }
    default:
        throw LiaisonError(.configuration, "--tls-certificate and --tls-key go together")
    }
}
