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
        routes.on(.get, "/api/v1/jits/reminders", access: .caseHandlers, surface: .api) { _, context in
            try JSONBody.response(try await service.reminders(principal: context.principal))
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
        // Joint analysis: the shared entity graph. Reading it consults personal data: logged.
        routes.on(.get, "/api/v1/jits/:id/graph", access: .caseHandlers, surface: .api, audited: .jitRead) { request, context in
            let analysis = try await service.analysis(try context.parameters.require("id"), principal: context.principal)
            let query = request.uri.queryParameters
            if let from = query.get("from"), let to = query.get("to") { return try JSONBody.response(try analysis.path(from: from, to: to)) }
            if let entity = query.get("entity") { return try JSONBody.response(try analysis.neighbourhood(of: entity, depth: try Self.depth(query.get("depth")))) }
            if query.get("shared") == "true" { return try JSONBody.response(JITAnalysis.View(entities: analysis.shared, links: [])) }
            return try JSONBody.response(analysis.whole())
        }
        routes.on(.get, "/api/v1/jits/:id/graph/export", access: .caseHandlers, surface: .api, audited: .jitRead) { _, context in
            let analysis = try await service.analysis(try context.parameters.require("id"), principal: context.principal)
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .contentDisposition: "attachment; filename=\"jit-graph.ftm.json\""],
                            body: .init(byteBuffer: ByteBuffer(string: try analysis.followTheMoney())))
        }
        routes.on(.get, "/api/v1/jits/:id/evaluation", access: .caseHandlers, surface: .api, audited: .jitRead) { _, context in
            try JSONBody.response(try await service.evaluation(try context.parameters.require("id"), principal: context.principal))
        }
        // Files: the body is the file itself, read and stored chunk by chunk as it arrives.
        routes.on(.post, "/api/v1/jits/:id/files", access: .caseHandlers, surface: .api) { request, context in
            let query = request.uri.queryParameters
            guard let name = query.get("name") else { throw LiaisonError(.invalidInput, "name: give the file's name (?name=report.pdf).") }
            let contribution = try await service.upload(
                try context.parameters.require("id"), name: name, mediaType: request.headers[.contentType] ?? "application/octet-stream",
                title: query.get("title"), text: query.get("text"), declaredLength: request.headers[.contentLength].flatMap { Int($0) },  // checked: parses text: nil when not a number
                body: request.body, principal: context.principal
            )
            return try JSONBody.response(contribution, status: .created)
        }
        routes.on(.get, "/api/v1/jits/:id/files/:file", access: .caseHandlers, surface: .api, audited: .jitRead) { _, context in
            try await Self.download(service, try context.parameters.require("id"), try context.parameters.require("file"), principal: context.principal)
        }
        routes.on(.get, "/api/v1/jits/:id/ledger", access: .jitLedgerReaders, surface: .api, audited: .jitRead) { _, context in
            try JSONBody.response(try await service.view(try context.parameters.require("id"), principal: context.principal).ledger ?? [])
        }
        routes.on(.get, "/api/v1/jits/:id/entities/:entity/dossier", access: .caseHandlers, surface: .api, audited: .jitRead) { request, context in
            let dossier = try await service.dossier(try context.parameters.require("id"), entity: try context.parameters.require("entity"), principal: context.principal)
            if request.uri.queryParameters.get("format") == "ftm" {
                return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .contentDisposition: "attachment; filename=\"dossier.ftm.json\""],
                                body: .init(byteBuffer: ByteBuffer(string: dossier.followTheMoney)))
            }
            return try JSONBody.response(dossier)
        }
        routes.on(.post, "/api/v1/jits/sync", access: .caseHandlers, surface: .api) { _, _ in
            let arrived = await service.catchUp()
            return try JSONBody.response(["arrived": arrived, "disposed": await service.applyDispositions()])
        }
    }
}

extension JITController {
    /// A file's content streamed chunk by chunk, after the download entered the ledger.
    static func download(_ service: JITService, _ id: String, _ file: String, principal: Principal?) async throws -> Response {
        let (manifest, chunks) = try await service.download(id, contribution: file, principal: principal)
        return Response(
            status: .ok,
            headers: [.contentType: manifest.mediaType, .contentLength: "\(manifest.size)",
                      .contentDisposition: "attachment; filename=\"\(EvidencePackageBuilder.safeName(manifest.name))\"", .init("Repr-Digest")!: "sha-256=:\(Self.base64(hex: manifest.sha256)):"],  // checked: a constant, valid header name
            body: ResponseBody(asyncSequence: chunks)
        )
    }

    /// A hex digest as base64, for an RFC 9530 `Repr-Digest` field.
    static func base64(hex: String) -> String {
        var bytes: [UInt8] = []
        var characters = hex.makeIterator()
        while let high = characters.next(), let low = characters.next(), let byte = UInt8(String([high, low]), radix: 16) { bytes.append(byte) }  // checked: parses text: nil when not hex
        return Data(bytes).base64EncodedString()
    }

    /// The neighbourhood depth asked for (default 2, at most 6).
    static func depth(_ text: String?) throws -> Int {
        guard let text else { return 2 }
        guard let depth = Int(text), (1...6).contains(depth) else {  // checked: parses text: nil when not a number
            throw LiaisonError(.invalidInput, "depth must be a whole number from 1 to 6, not '\(text.prefix(40))'.")
        }
        return depth
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
            await service.applyDispositions()
        }
    }
}
