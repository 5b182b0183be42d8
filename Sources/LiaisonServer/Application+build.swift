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
    let auditStore = AuditStore(database: database)
    let auditWakeup = Wakeup()
    let trail = AuditTrail(store: auditStore, wakeup: auditWakeup, clock: configuration.clock, logger: logger)
    let auditLog = AuditLog(store: auditStore, agencyCode: node.settings.profile.agencyCode, signingKey: node.keys.signing, clock: configuration.clock)
    let authenticator = await Authenticator(users: users, signingKey: node.keys.signing, issuer: node.settings.profile.agencyCode, configuration: configuration, audit: trail)
    let resources = try resourceDirectory()
    let renderer = try await PageRenderer.load(resources: resources, identity: node.identity)
    let metrics = NodeMetrics()

    let router = Router(context: LiaisonRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ProblemMiddleware())
    let cookies = CookieNames(agencyCode: node.settings.profile.agencyCode)
    router.add(middleware: AuthenticationMiddleware(authenticator: authenticator, cookies: cookies))
    let routes = RouteTable(router: router, audit: trail)

    HealthController(database: database, metrics: metrics).register(on: routes)
    APIController(
        authenticator: authenticator,
        users: users,
        identity: node.identity,
        openAPIDocument: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("openapi.json"))),
        configuration: configuration
    ).register(on: routes)
    AuditController(log: auditLog, store: auditStore).register(on: routes)
    let witnessStore = WitnessStore(database: database)
    AlertController(store: witnessStore).register(on: routes)
    let federation = FederationStore(database: database)
    let messages = MessageStore(database: database)
    let wakeup = Wakeup()
    let evidence = EvidenceService(
        ownAgencyCode: node.settings.profile.agencyCode, keys: node.keys, store: EvidenceStore(database: database),
        vault: EvidenceVault(nodeKeys: node.keys), federation: federation, clock: configuration.clock
    )
    let safeguards = SafeguardsService(
        agency: node.settings.profile.agencyCode, store: SafeguardsStore(database: database), federation: federation, trail: trail, clock: configuration.clock
    )
    let messageService = MessageService(
        ownAgencyCode: node.settings.profile.agencyCode, keys: node.keys, federation: federation,
        messages: messages, blobs: BlobStore(database: database), clock: configuration.clock, wakeup: wakeup, trail: trail,
        safeguards: safeguards, retention: RetentionStore(database: database), evidence: evidence
    )
    let retention = RetentionSweeper(store: RetentionStore(database: database), messages: messageService, safeguards: safeguards, trail: trail, clock: configuration.clock)
    RetentionController(sweeper: retention, configuration: configuration).register(on: routes)
    RetentionPages(renderer: renderer, sweeper: retention, forms: FormReader(maxBodyBytes: configuration.maxBodyBytes), clock: configuration.clock).register(on: routes)
    let rights = SubjectRights(
        agency: node.settings.profile.agencyCode, store: SubjectRequestStore(database: database), messages: messages,
        screening: ScreeningStore(database: database), safeguards: safeguards, retention: retention, trail: trail, clock: configuration.clock
    )
    SubjectRequestController(rights: rights, configuration: configuration).register(on: routes)
    SubjectRequestPages(renderer: renderer, rights: rights, forms: FormReader(maxBodyBytes: configuration.maxBodyBytes), clock: configuration.clock).register(on: routes)
    let oversight = OversightMonitor(
        agency: node.settings.profile.agencyCode, audit: auditStore, alerts: witnessStore, safeguards: safeguards,
        retention: RetentionStore(database: database), trail: trail, clock: configuration.clock
    )
    OversightController(monitor: oversight, configuration: configuration).register(on: routes)
    OversightPages(renderer: renderer, monitor: oversight, clock: configuration.clock, forms: FormReader(maxBodyBytes: configuration.maxBodyBytes)).register(on: routes)
    MessageController(service: messageService, messages: messages, federation: federation, blobs: BlobStore(database: database), configuration: configuration).register(on: routes)
    let approvals = ApprovalWorkflow(safeguards: safeguards, messages: messageService)
    ApprovalController(approvals: approvals, configuration: configuration).register(on: routes)
    ApprovalPages(renderer: renderer, approvals: approvals, forms: FormReader(maxBodyBytes: configuration.maxBodyBytes), clock: configuration.clock).register(on: routes)
    FederationController(
        administration: FederationAdministration(store: federation, ownAgencyCode: node.settings.profile.agencyCode, clock: configuration.clock),
        store: federation,
        configuration: configuration
    ).register(on: routes)
    let packages = EvidencePackageBuilder(
        ownAgencyCode: node.settings.profile.agencyCode, identity: node.identity, evidence: evidence, log: auditLog, audit: auditStore,
        federation: federation, clock: configuration.clock
    )
    let transfers = EvidenceTransferService(evidence: evidence, packages: packages, messages: messageService)
    EvidenceController(service: evidence, packages: packages, transfers: transfers, safeguards: safeguards, configuration: configuration).register(on: routes)
    EvidencePages(
        renderer: renderer, service: evidence, packages: packages, transfers: transfers, federation: federation, safeguards: safeguards,
        forms: FormReader(maxBodyBytes: configuration.maxBodyBytes)
    ).register(on: routes)
    AuditPages(renderer: renderer, log: auditLog, store: auditStore, witnesses: witnessStore, identity: node.identity).register(on: routes)
    WebController(
        renderer: renderer,
        authenticator: authenticator,
        users: users,
        federation: federation,
        configuration: configuration,
        stylesheet: ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("static/style.css"))),
        cookies: cookies
    ).register(on: routes)

    MessagePages(
        renderer: renderer, service: messageService, messages: messages, federation: federation,
        forms: FormReader(maxBodyBytes: configuration.maxBodyBytes), configuration: configuration
    ).register(on: routes)

    let screeningStore = ScreeningStore(database: database)
    let screening = ScreeningService(store: screeningStore, clock: configuration.clock, recorded: { await auditWakeup.signal() })
    ScreeningController(service: screening, store: screeningStore, configuration: configuration).register(on: routes)
    ScreeningPages(renderer: renderer, service: screening, store: screeningStore, forms: FormReader(maxBodyBytes: configuration.maxBodyBytes)).register(on: routes)
    let hitStore = HitStore(database: database)
    let hits = HitService(store: hitStore, clock: configuration.clock, recorded: { await auditWakeup.signal() })
    // Shared with the delivery service, which shuts the clients down when the node stops.
    let partnerClients = try FederationClients(
        insecureLoopback: configuration.insecureLoopback, tlsCertificatePEM: try node.keys.tlsCertificatePEM(), tlsKeyPEM: node.keys.tlsKey.pemRepresentation
    )
    let hitPartners = HitFederation(
        ownAgencyCode: node.settings.profile.agencyCode, keys: node.keys, federation: federation, clients: partnerClients, hits: hits,
        safeguards: safeguards, clock: configuration.clock, queriesPerMinute: configuration.hitQueriesPerMinute
    )
    let followUps = HitFollowUps(
        ownAgencyCode: node.settings.profile.agencyCode, keys: node.keys, federation: federation, clients: partnerClients, hits: hits, store: hitStore,
        messages: messageService, safeguards: safeguards, clock: configuration.clock
    )
    let hitController = HitController(service: hits, partners: hitPartners, followUps: followUps)
    hitController.register(on: routes)
    hitController.registerPartnerRoutes(on: routes)
    HitPages(renderer: renderer, service: hits, partners: hitPartners, followUps: followUps, federation: federation,
             forms: FormReader(maxBodyBytes: configuration.maxBodyBytes)).register(on: routes)

    var services: [any Service] = [database, partnerClients]
    services.append(PeriodicJob.designationDeadlines(screening, clock: configuration.clock, logger: logger))
    services.append(HitIndexWarmUp(hits: hits, logger: logger))
    services.append(PeriodicJob.retentionSweep(retention, every: configuration.retentionSweepInterval, clock: configuration.clock, logger: logger))
    services.append(PeriodicJob.anomalyScan(oversight, every: configuration.anomalyScanInterval, clock: configuration.clock, logger: logger))
    services.append(AuditSequencer(log: auditLog, wakeup: auditWakeup, logger: logger))
    services.append(PeriodicJob.auditCheckpoints(auditLog, every: configuration.checkpointInterval, clock: configuration.clock, logger: logger))
    services.append(DeliveryService(
        ownAgencyCode: node.settings.profile.agencyCode, messages: messages, federation: federation,
        clients: partnerClients, clock: configuration.clock,
        wakeup: wakeup, logger: logger, maximumBackoff: TimeInterval(configuration.maximumRetryDelay.components.seconds)
    ))
    var federationSpecs: [RouteSpec] = []
    if let federationPort = configuration.federationPort {
        let federationRouter = Router(context: LiaisonRequestContext.self)
        federationRouter.add(middleware: SecurityHeadersMiddleware())
        federationRouter.add(middleware: MetricsMiddleware(metrics: metrics))
        federationRouter.add(middleware: ProblemMiddleware())
        if !configuration.insecureLoopback { federationRouter.add(middleware: PartnerPeerMiddleware(partners: PartnerCertificates(federation: federation))) }
        let federationRoutes = RouteTable(router: federationRouter, audit: trail)
        FederationEndpoint(service: messageService, trail: trail, identity: node.identity, configuration: configuration, metrics: metrics).register(on: federationRoutes)
        HitFederationEndpoint(partners: hitPartners, followUps: followUps, configuration: configuration).register(on: federationRoutes)
        WitnessEndpoint(witness: Witness(
            ownAgencyCode: node.settings.profile.agencyCode, signingKey: node.keys.signing, federation: federation, store: witnessStore, clock: configuration.clock
        ), audit: auditStore).register(on: federationRoutes)
        let witnessing = Witnessing(
            ownAgencyCode: node.settings.profile.agencyCode, log: auditLog, audit: auditStore, witnesses: witnessStore, federation: federation,
            clients: partnerClients, clock: configuration.clock, logger: logger
        )
        services.append(PeriodicJob.witnessing(witnessing, every: configuration.checkpointInterval, clock: configuration.clock, logger: logger))
        federationSpecs = federationRoutes.specs
        let server: HTTPServerBuilder
        if configuration.insecureLoopback {
            guard ["127.0.0.1", "localhost"].contains(configuration.host) else {
                throw LiaisonError(.configuration, "--insecure-loopback serves the federation without TLS and is allowed only with --host 127.0.0.1")
            }
            server = .http1()
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
            server = try .tls(.http1(), configuration: TLSChannelConfiguration(tlsConfiguration: tls, customAsyncVerificationCallback: { _ in .certificateVerified }))
        }
        let federationLogger = logger
        services.append(Application(
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
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Liaison"),
        services: services,
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
