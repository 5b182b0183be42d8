import Crypto
import Foundation
package import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
package import LiaisonStore
package import Logging
import ServiceLifecycle

/// Everything a node does, built once from its data directory, its configuration and its
/// database: the one assembly that the server (``buildApplication(configuration:onServerRunning:onFederationRunning:)``),
/// the CLI, the demo and the tests use. Routes are thin fronts over these services; the long-lived
/// jobs come from ``jobs(federating:)``.
package struct NodeServices: Sendable {
    package let node: NodeDirectory.Loaded
    package let configuration: NodeConfiguration
    package let database: LiaisonDatabase
    package let logger: Logger
    package var clock: any WallClock { configuration.clock }
    package var agencyCode: String { node.settings.profile.agencyCode }

    // The audit log and what records into it.
    package let auditStore: AuditStore
    let auditWakeup: Wakeup
    let trail: AuditTrail
    let auditLog: AuditLog
    let witnessStore: WitnessStore

    // Stores that routes read directly.
    let users: UserStore
    package let federation: FederationStore
    let messages: MessageStore
    let blobs: BlobStore
    let screeningStore: ScreeningStore
    let hitStore: HitStore

    // The services.
    let deliveryWakeup: Wakeup
    let cases: CaseService
    let safeguards: SafeguardsService
    let evidence: EvidenceService
    let messageService: MessageService
    package let retention: RetentionSweeper
    let rights: SubjectRights
    let oversight: OversightMonitor
    let approvals: ApprovalWorkflow
    package let packages: EvidencePackageBuilder
    let transfers: EvidenceTransferService
    package let screening: ScreeningService
    package let hits: HitService
    let partnerClients: FederationClients
    let hitPartners: HitFederation
    let followUps: HitFollowUps
    let witnessing: Witnessing
    let jits: JITService
    let instruments: InstrumentService
    let finance: FinanceService
    let witness: Witness
    package let federationAdministration: FederationAdministration

    /// Builds every service of a loaded node over its migrated database.
    package init(node: NodeDirectory.Loaded, configuration: NodeConfiguration, database: LiaisonDatabase, logger: Logger) throws {
        self.node = node
        self.configuration = configuration
        self.database = database
        self.logger = logger
        let agency = node.settings.profile.agencyCode
        let clock = configuration.clock

        auditStore = AuditStore(database: database)
        auditWakeup = Wakeup()
        trail = AuditTrail(store: auditStore, wakeup: auditWakeup, clock: clock, logger: logger)
        auditLog = AuditLog(store: auditStore, agencyCode: agency, signingKey: node.keys.signing, clock: clock)
        witnessStore = WitnessStore(database: database)

        users = UserStore(database: database)
        federation = FederationStore(database: database)
        messages = MessageStore(database: database)
        blobs = BlobStore(database: database)
        screeningStore = ScreeningStore(database: database)
        hitStore = HitStore(database: database)
        let retentionStore = RetentionStore(database: database)

        deliveryWakeup = Wakeup()
        cases = CaseService(agency: agency, store: CaseStore(database: database), users: users, trail: trail, clock: clock)
        safeguards = SafeguardsService(agency: agency, store: SafeguardsStore(database: database), federation: federation, trail: trail, clock: clock)
        evidence = EvidenceService(
            ownAgencyCode: agency, keys: node.keys, store: EvidenceStore(database: database), vault: EvidenceVault(nodeKeys: node.keys), federation: federation, clock: clock,
            cases: cases
        )
        let calendars = JudicialCalendars(directory: try JudicialDirectory.load(nodeDirectory: node.directory))
        let instrumentStore = InstrumentStore(database: database)
        let inbox = InstrumentInbox(agency: agency, store: instrumentStore, calendars: calendars, trail: trail, clock: clock)
        messageService = MessageService(
            ownAgencyCode: agency, keys: node.keys, federation: federation, messages: messages, blobs: blobs, clock: clock, wakeup: deliveryWakeup,
            trail: trail, safeguards: safeguards, retention: retentionStore, evidence: evidence, cases: cases, instruments: inbox
        )
        retention = RetentionSweeper(store: retentionStore, messages: messageService, safeguards: safeguards, trail: trail, clock: clock, cases: cases)
        rights = SubjectRights(
            agency: agency, store: SubjectRequestStore(database: database), messages: messages, screening: screeningStore, safeguards: safeguards,
            retention: retention, trail: trail, clock: clock
        )
        oversight = OversightMonitor(agency: agency, audit: auditStore, alerts: witnessStore, safeguards: safeguards, retention: retentionStore, trail: trail, clock: clock)
        approvals = ApprovalWorkflow(safeguards: safeguards, messages: messageService)
        packages = EvidencePackageBuilder(
            ownAgencyCode: agency, identity: node.identity, evidence: evidence, log: auditLog, audit: auditStore, federation: federation, clock: clock
        )
        transfers = EvidenceTransferService(evidence: evidence, packages: packages, messages: messageService)
        instruments = InstrumentService(
            agency: agency, store: instrumentStore, inbox: inbox, calendars: calendars, messages: messageService, transfers: transfers, cases: cases, trail: trail,
            clock: clock
        )
        finance = FinanceService(
            store: FinanceStore(database: database), cases: cases, messages: messageService, trail: trail, clock: clock,
            parameters: try TypologyParameters.load(nodeDirectory: node.directory, fallback: configuration.typologies))
        let auditWakeup = auditWakeup
        screening = ScreeningService(store: screeningStore, clock: clock, recorded: { await auditWakeup.signal() })
        hits = HitService(store: hitStore, clock: clock, snapshots: HitIndexSnapshots(directory: node.directory.appendingPathComponent("indexes", isDirectory: true)),
                          logger: logger, recorded: { await auditWakeup.signal() })
        partnerClients = try FederationClients(
            insecureLoopback: configuration.insecureLoopback, tlsCertificatePEM: try node.keys.tlsCertificatePEM(), tlsKeyPEM: node.keys.tlsKey.pemRepresentation
        )
        hitPartners = HitFederation(
            ownAgencyCode: agency, keys: node.keys, federation: federation, clients: partnerClients, cases: cases, hits: hits, safeguards: safeguards, clock: clock,
            queriesPerMinute: configuration.hitQueriesPerMinute
        )
        followUps = HitFollowUps(
            ownAgencyCode: agency, keys: node.keys, federation: federation, clients: partnerClients, hits: hits, store: hitStore, messages: messageService,
            safeguards: safeguards, cases: cases, clock: clock
        )
        witnessing = Witnessing(
            ownAgencyCode: agency, log: auditLog, audit: auditStore, witnesses: witnessStore, federation: federation, clients: partnerClients, clock: clock, logger: logger
        )
        jits = JITService(
            ownAgencyCode: agency, keys: node.keys, federation: federation, clients: partnerClients, store: JITStore(database: database), alerts: witnessStore,
            trail: trail, clock: clock, logger: logger, maximumFileBytes: configuration.jitMaximumFileBytes, maximumSpaceBytes: configuration.jitMaximumSpaceBytes
        )
        witness = Witness(ownAgencyCode: agency, signingKey: node.keys.signing, federation: federation, store: witnessStore, clock: clock)
        federationAdministration = FederationAdministration(store: federation, ownAgencyCode: agency, clock: clock)
    }

    /// The long-lived jobs, in the order they start (they stop in the reverse order): the
    /// database first and the partner clients next, so that both outlive the jobs that use them.
    /// - Parameter federating: whether the node has a federation listener (witnessing runs only then).
    func jobs(federating: Bool) -> [any Service] {
        var jobs: [any Service] = [
            database,
            partnerClients,
            PeriodicJob.designationDeadlines(screening, clock: clock, logger: logger),
            PeriodicJob.instrumentDeadlines(instruments, clock: clock, logger: logger),
            HitIndexWarmUp(hits: hits, logger: logger),
            PeriodicJob.retentionSweep(retention, every: configuration.retentionSweepInterval, clock: clock, logger: logger),
            PeriodicJob.anomalyScan(oversight, every: configuration.anomalyScanInterval, clock: clock, logger: logger),
            AuditSequencer(log: auditLog, wakeup: auditWakeup, logger: logger),
            PeriodicJob.auditCheckpoints(auditLog, every: configuration.checkpointInterval, clock: clock, logger: logger),
            OutboxDelivery(
                ownAgencyCode: agencyCode, messages: messages, federation: federation, clients: partnerClients, clock: clock, wakeup: deliveryWakeup,
                logger: logger, maximumBackoff: TimeInterval(configuration.maximumRetryDelay.components.seconds)
            ),
        ]
        if federating {
            jobs.append(PeriodicJob.witnessing(witnessing, every: configuration.checkpointInterval, clock: clock, logger: logger))
            jobs.append(PeriodicJob.jitCatchUp(jits, every: configuration.jitCatchUpInterval, clock: clock, logger: logger))
        }
        return jobs
    }

    /// Opens a node's data directory and migrated database, builds its services for `body` and
    /// closes the database after — what a CLI command or the demo's seeding does on a node that is
    /// not serving.
    package static func with<T>(
        dataDirectory: String, databaseURL: String?, clock: any WallClock = SystemWallClock(), _ body: (NodeServices) async throws -> T
    ) async throws -> T {
        var configuration = NodeConfiguration(dataDirectory: dataDirectory)
        configuration.databaseURL = databaseURL
        configuration.clock = clock
        return try await NodeSetup.withNode(dataDirectory: dataDirectory, databaseURL: databaseURL) { node, database in
            let services = try NodeServices(node: node, configuration: configuration, database: database, logger: Logger(label: "liaison.cli"))
            do {
                let result = try await body(services)
                await services.partnerClients.shutdown()
                return result
            } catch {
                await services.partnerClients.shutdown()
                throw error
            }
        }
    }
}
