import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import Logging

/// The JIT API: propose and sign agreements, read spaces, contribute, catch up now.
struct JITController {
    let service: JITService
    let configuration: NodeConfiguration

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/jits", access: .caseHandlers, surface: .api) { _, context in
            try JSONBody.response(try await service.list(principal: context.principal))
        }
        routes.on(.post, "/api/v1/jits", access: .judicialDeciders, surface: .api) { request, context in
            let body = try await JSONBody.decode(JITProposal.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(try await service.propose(body, principal: context.principal), status: .created)
        }
        routes.on(.get, "/api/v1/jits/:id", access: .caseHandlers, surface: .api, audited: .jitRead) { _, context in
            try JSONBody.response(try await service.view(try context.parameters.require("id"), principal: context.principal))
        }
        routes.on(.post, "/api/v1/jits/:id/signature", access: .judicialDeciders, surface: .api) { _, context in
            try JSONBody.response(try await service.sign(try context.parameters.require("id"), principal: context.principal))
        }
        routes.on(.post, "/api/v1/jits/:id/contributions", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(JITContributionInput.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(try await service.contribute(try context.parameters.require("id"), body, principal: context.principal), status: .created)
        }
        routes.on(.post, "/api/v1/jits/sync", access: .caseHandlers, surface: .api) { _, _ in
            try JSONBody.response(["arrived": await service.catchUp()])
        }
    }
}

/// The federation side of JIT spaces: members' agreements, signatures, contributions and
/// catch-up requests, each an envelope signed by a pinned partner.
struct JITFederationEndpoint {
    let service: JITService

    /// A catch-up answer or a batch of contributions.
    static let maximumBytes = 64 * 1024 * 1024

    func register(on routes: RouteTable) {
        routes.on(.post, "/federation/v1/jit", access: .anonymous, surface: .federation) { request, _ in
            let envelope = try await JSONBody.decode(Envelope.self, from: request, limit: Self.maximumBytes)
            return try JSONBody.response(try await service.receive(envelope))
        }
    }
}

extension PeriodicJob {
    /// Catches up every JIT space from the other members every `interval` (and at start), so that
    /// a member that was offline or partitioned converges.
    static func jitCatchUp(_ service: JITService, every interval: Duration, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("JIT catch-up", every: interval, runsAtStart: true, clock: clock, logger: logger) {
            let arrived = await service.catchUp()
            if arrived > 0 { logger.info("JIT catch-up", metadata: ["arrived": "\(arrived)"]) }
        }
    }
}
