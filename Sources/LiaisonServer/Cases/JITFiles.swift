import Crypto
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging
import Synchronization

/// Files in a JIT space, the ledger of their uploads and downloads, extensions of the period and
/// the disposition at its end.
///
/// A file moves in chunks of ``JITContribution/FileManifest/chunkSize`` bytes: the upload is read
/// from the request as it arrives and stored chunk by chunk (a 1 GB file never sits in memory),
/// and its manifest — the SHA-256 of the whole and of every chunk — is a contribution its node
/// signs. The other members fetch the chunks from any member that holds them and check each
/// against the signed manifest. Every upload (the file contribution) and every download (a
/// `download` contribution the downloading node signs) is an entry of the ledger that every
/// member holds.
extension JITService {
    /// The kinds a member keeps of the others' contributions when the disposition returns the
    /// space to its contributors: the ledger, the period and the evaluation — who did what, not
    /// what they shared. Files keep their manifests (for the ledger); their content is erased.
    static let keptAtDisposition: Set<JITContribution.Kind> = [.file, .download, .extension, .consent, .evaluation]

    /// Audit details of a contribution: its id, kind, position and the SHA-256 of its signed
    /// document, and for a file the file's SHA-256 (the ledger's entry in the node's own log).
    static func details(_ contribution: JITContribution, sha256: String) -> [String: String] {
        var details = ["contribution": contribution.id, "kind": contribution.kind.rawValue, "sequence": "\(contribution.sequence)", "sha256": sha256]
        if let file = contribution.file {
            details["file"] = file.sha256
            details["name"] = file.name
        }
        if let refersTo = contribution.refersTo { details["refersTo"] = refersTo }
        return details
    }

    // MARK: Upload and download

    /// Stores an upload as it arrives, chunk by chunk, then signs and sends its manifest. An
    /// upload beyond the file or space limit, or one that fails, leaves nothing behind.
    /// - Parameters:
    ///   - declaredLength: the request's `Content-Length`, when it has one: a larger file is
    ///     refused before a byte is read.
    func upload<Body: AsyncSequence & Sendable>(
        _ id: String, name: String, mediaType: String, title: String?, text: String?, declaredLength: Int?, body: Body, principal: Principal?
    ) async throws -> JITContribution where Body.Element == ByteBuffer {
        let (agreement, _) = try await load(id)
        let now = clock.now()
        let status = try await status(of: agreement, at: now)
        guard status == .active else {
            throw LiaisonError(.conflict, status == .closed ? "The JIT's period has ended: the space is read-only." : "The JIT space is not active yet (\(status.rawValue)).")
        }
        try JITContribution.FileManifest.checkName(name)
        try TextRules.checkLine(mediaType, "mediaType", maximum: 200)
        let held = try await store.storedBytes(space: id)
        let room = min(maximumFileBytes, max(0, maximumSpaceBytes - held))
        if let declaredLength, declaredLength > room { throw tooLarge(declaredLength, held: held) }

        let fileID = UUIDv7.make(at: now).uuidString.lowercased()
        var whole = SHA256()
        var chunks: [String] = []
        var size = 0
        var pending = ByteBuffer()
        do {
            for try await piece in body {
                size += piece.readableBytes
                guard size <= room else { throw tooLarge(size, held: held) }
                whole.update(data: piece.readableBytesView)
                var piece = piece
                pending.writeBuffer(&piece)
                while pending.readableBytes >= JITContribution.FileManifest.chunkSize {
                    let chunk = Data(pending.readSlice(length: JITContribution.FileManifest.chunkSize)?.readableBytesView ?? ByteBuffer().readableBytesView)
                    chunks.append(try await storeChunk(chunk, space: id, file: fileID, index: chunks.count, at: now))
                }
                pending.discardReadBytes()
            }
            if pending.readableBytes > 0 {
                chunks.append(try await storeChunk(Data(pending.readableBytesView), space: id, file: fileID, index: chunks.count, at: now))
            }
            let manifest = JITContribution.FileManifest(id: fileID, name: name, mediaType: mediaType, size: size, sha256: whole.finalize().lowercaseHex, chunks: chunks)
            let input = JITContributionInput(kind: JITContribution.Kind.file.rawValue, title: title.flatMap { $0.isEmpty ? nil : $0 } ?? name, text: text, file: manifest)
            return try await record(id, kind: .file, input, agreement: agreement, principal: principal, at: now)
        } catch {
            try? await store.deleteChunks(file: fileID)
            throw error
        }
    }

    private func tooLarge(_ size: Int, held: Int) -> LiaisonError {
        if size <= maximumFileBytes {
            return LiaisonError(.bodyTooLarge, "The JIT space holds \(Self.megabytes(held)) of files and its limit is \(Self.megabytes(maximumSpaceBytes)); nothing was stored.")
        }
        return LiaisonError(.bodyTooLarge, "A file in a JIT space may be at most \(Self.megabytes(maximumFileBytes)); nothing was stored.")
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 30 && bytes % (1 << 30) == 0 ? "\(bytes >> 30) GB" : "\((bytes + (1 << 20) - 1) >> 20) MB"
    }

    private func storeChunk(_ chunk: Data, space: String, file: String, index: Int, at now: Date) async throws -> String {
        let digest = SHA256.hash(data: chunk).lowercaseHex
        try await store.saveChunk(space: space, file: file, author: ownAgencyCode, index: index, sha256: digest, content: chunk, at: now)
        return digest
    }

    /// A file's manifest and its author, when the space holds that file.
    func manifest(space: String, file: String) async throws -> (JITContribution.FileManifest, author: String, contribution: String)? {
        for stored in try await store.contributions(space: space, kinds: [JITContribution.Kind.file.rawValue]) {
            guard let contribution = Self.decode(stored), let manifest = contribution.file, manifest.id == file || contribution.id == file else { continue }
            return (manifest, contribution.author, contribution.id)
        }
        return nil
    }

    /// Prepares a download: fetches the chunks this node lacks from the other members, records
    /// the download in the ledger (signed and sent to every member like any contribution), and
    /// returns the chunks to stream, each checked against the manifest as it is read.
    func download(_ id: String, contribution: String, principal: Principal?) async throws -> (JITContribution.FileManifest, AsyncThrowingStream<ByteBuffer, any Error>) {
        let (agreement, _) = try await load(id)
        guard let (manifest, author, fileContribution) = try await manifest(space: id, file: contribution) else {
            throw LiaisonError(.notFound, "No file \(contribution) in JIT space \(id).")
        }
        if let disposed = try await store.disposition(space: id), disposed.disposition == JITAgreement.Disposition.returnToContributors.rawValue, author != ownAgencyCode {
            throw LiaisonError(.returnedToContributor, "The space was returned to its contributors on \(disposed.appliedAt.formatted(.iso8601)): \(author) keeps this file.")
        }
        if try await store.chunkIndexes(file: manifest.id).count < manifest.chunks.count {
            _ = try await fetch(manifest, space: id, author: author, agreement: agreement)
            guard try await store.chunkIndexes(file: manifest.id).count == manifest.chunks.count else {
                throw LiaisonError(.unavailable, "The file has not reached \(ownAgencyCode) yet and no member holding it answered; try again later.")
            }
        }
        let input = JITContributionInput(kind: JITContribution.Kind.download.rawValue, title: "Downloaded \(manifest.name)", text: manifest.sha256, refersTo: fileContribution)
        _ = try await record(id, kind: .download, input, agreement: agreement, principal: principal, at: clock.now())
        // Pulled one chunk at a time as the client reads, so that a slow client never makes the
        // node hold more than a chunk.
        let store = self.store
        let next = ChunkCursor()
        let stream = AsyncThrowingStream<ByteBuffer, any Error>(unfolding: {
            let index = next.take()
            guard index < manifest.chunks.count else { return nil }
            guard let chunk = try await store.chunk(file: manifest.id, index: index), SHA256.hash(data: chunk.content).lowercaseHex == manifest.chunks[index] else {
                throw LiaisonError(.integrityFailure, "Chunk \(index) of \(manifest.name) does not match its manifest.")
            }
            return ByteBuffer(bytes: chunk.content)
        })
        return (manifest, stream)
    }

    /// Fetches the chunks of every file this node lacks (the catch-up's second step).
    /// - Returns: how many chunks arrived.
    func fetchMissingFiles(_ id: String) async -> Int {
        guard let (agreement, _) = try? await load(id) else { return 0 }
        let disposed = (try? await store.disposition(space: id))??.disposition == JITAgreement.Disposition.returnToContributors.rawValue
        var arrived = 0
        for stored in (try? await store.contributions(space: id, kinds: [JITContribution.Kind.file.rawValue])) ?? [] {
            guard let contribution = Self.decode(stored), let manifest = contribution.file, !(disposed && contribution.author != ownAgencyCode) else { continue }
            arrived += (try? await fetch(manifest, space: id, author: contribution.author, agreement: agreement)) ?? 0
        }
        return arrived
    }

    /// Fetches a file's missing chunks from its author first, then from the other members, and
    /// stores each that matches the signed manifest.
    private func fetch(_ manifest: JITContribution.FileManifest, space: String, author: String, agreement: JITAgreement) async throws -> Int {
        var missing = Set(manifest.chunks.indices).subtracting(try await store.chunkIndexes(file: manifest.id)).sorted()
        guard !missing.isEmpty else { return 0 }
        var arrived = 0
        let sources = [author] + agreement.agencies.filter { $0 != author && $0 != ownAgencyCode }
        for agency in sources where agency != ownAgencyCode && !missing.isEmpty {
            guard let partner = try await federation.partner(agency) else { continue }
            var still: [Int] = []
            for index in missing {
                do {
                    let request = JITWire(space: space, file: manifest.id, chunk: index)
                    let answer = try await envelopes.exchange(try JSON.encoder.encode(request), kind: "jit-chunk", answerKind: "jit-answer", to: partner,
                                                              path: "/federation/v1/jit", postQuantum: false, clients: clients, maximumAnswerBytes: 16 << 20)
                    let wire = try JSON.decoder.decode(JITWire.self, from: answer)
                    guard let content = wire.content.flatMap({ Data(base64Encoded: $0) }), SHA256.hash(data: content).lowercaseHex == manifest.chunks[index] else {
                        try? await refuseQuietly(agency, space: space, why: "chunk \(index) of file \(manifest.id) that does not match its signed manifest", alert: true)
                        still.append(index)
                        continue
                    }
                    try await store.saveChunk(space: space, file: manifest.id, author: author, index: index, sha256: manifest.chunks[index], content: content, at: clock.now())
                    arrived += 1
                } catch {
                    still.append(index)
                }
            }
            missing = still
        }
        return arrived
    }

    /// The ledger: every upload and download of the space's files, oldest first.
    static func ledger(_ contributions: [JITContribution]) -> [JITSpaceView.LedgerEntry] {
        let files = Dictionary(contributions.filter { $0.kind == .file }.compactMap { item in item.file.map { (item.id, $0) } }) { first, _ in first }
        return contributions.compactMap { item -> JITSpaceView.LedgerEntry? in
            switch item.kind {
            case .file:
                guard let file = item.file else { return nil }
                return .init(action: .upload, agency: item.author, user: item.createdBy, at: item.createdAt, file: item.id, name: file.name, sha256: file.sha256, size: file.size)
            case .download:
                guard let reference = item.refersTo, let file = files[reference] else { return nil }
                return .init(action: .download, agency: item.author, user: item.createdBy, at: item.createdAt, file: reference, name: file.name, sha256: file.sha256, size: file.size)
            default:
                return nil
            }
        }.sorted { ($0.at, $0.agency) < ($1.at, $1.agency) }
    }

    static func decode(_ stored: StoredJITContribution) -> JITContribution? {
        Data(base64Encoded: stored.document).flatMap { try? JSON.decoder.decode(JITContribution.self, from: $0) }
    }

    // MARK: Reminders

    /// What the JIT spaces ask of this node's people now: agreements and extensions awaiting this
    /// agency's leader, open tasks of this agency due within a week or overdue, evaluations to
    /// answer after the end. Shown on the dashboard and by `GET /api/v1/jits/reminders`.
    func reminders(principal: Principal?, within horizon: TimeInterval = 7 * 86_400) async throws -> [JITReminder] {
        let now = clock.now()
        let leader = AccessRule.judicialDeciders.admittedRoles.contains(principal?.role ?? .oversight)
        var reminders: [JITReminder] = []
        for space in try await store.spaces() {
            let view = try await view(space.id, principal: principal)
            let name = view.agreement.name
            if leader, view.status == .proposed, view.awaiting.contains(ownAgencyCode) {
                reminders.append(.init(kind: .signature, space: view.id, team: name, title: "Sign the JIT agreement", due: view.agreement.validFrom, overdue: false))
            }
            if leader {
                for pending in view.pendingExtensions where pending.awaiting.contains(ownAgencyCode) && view.status != .closed {
                    reminders.append(.init(kind: .consent, space: view.id, team: name, title: "Consent to extending the period to \(pending.until.formatted(.iso8601))",
                                           due: view.agreement.endsAt, overdue: false))
                }
                let answered = view.contributions.contains { $0.contribution.kind == .evaluation && $0.contribution.author == ownAgencyCode }
                if view.status == .closed, !answered, view.agreement.accepts(.evaluation, at: now) {
                    reminders.append(.init(kind: .evaluation, space: view.id, team: name, title: "Answer the JIT evaluation for \(ownAgencyCode)",
                                           due: view.agreement.endsAt.addingTimeInterval(JITAgreement.evaluationPeriod), overdue: false))
                }
            }
            for task in view.tasksDue where task.agency == ownAgencyCode && task.due.timeIntervalSince(now) <= horizon && view.status == .active {
                reminders.append(.init(kind: .task, space: view.id, team: name, title: "\(task.title) (\(task.owner))", due: task.due, overdue: task.overdue))
            }
        }
        return reminders.sorted { ($0.overdue ? 0 : 1, $0.due) < ($1.overdue ? 0 : 1, $1.due) }
    }

    // MARK: Dossier

    /// A dossier on one entity of the space's shared graph.
    func dossier(_ id: String, entity: String, principal: Principal?) async throws -> JITDossier {
        try JITDossier(space: try await view(id, principal: principal), entity: entity, generatedBy: principal?.username ?? "system", at: clock.now())
    }

    // MARK: Extensions

    /// Checks a proposed extension or a consent before it is recorded.
    func checkExtension(_ id: String, _ input: JITContributionInput, agreement: JITAgreement) async throws {
        if input.kind == JITContribution.Kind.extension.rawValue {
            guard let period = input.newPeriod else { throw LiaisonError(.invalidInput, "newPeriod: give the new end of the period (until) and the reason.") }
            guard period.until > agreement.endsAt else {
                throw LiaisonError(.invalidInput, "newPeriod.until: an extension ends after the current end of the period, \(agreement.endsAt.formatted(.iso8601)).")
            }
            guard period.until.timeIntervalSince(agreement.endsAt) <= JITAgreement.maximumPeriod else {
                throw LiaisonError(.invalidInput, "newPeriod.until: one extension adds at most 5 years.")
            }
            return
        }
        guard let reference = input.refersTo else { throw LiaisonError(.invalidInput, "refersTo: name the extension you consent to.") }
        let decoded = try await store.contributions(space: id, kinds: [JITContribution.Kind.extension.rawValue, JITContribution.Kind.consent.rawValue]).compactMap(Self.decode)
        guard let pending = agreement.pendingExtensions(in: decoded).first(where: { $0.proposal.id == reference }) else {
            throw LiaisonError(.invalidInput, "refersTo: no extension \(reference.prefix(64)) awaits consent in this space.")
        }
        guard pending.awaiting.contains(ownAgencyCode) else { throw LiaisonError(.conflict, "\(ownAgencyCode) has consented to this extension already.") }
    }

    // MARK: Disposition

    /// Applies the agreed disposition to every space whose period has ended (once): with
    /// `return-to-contributors` each member erases its copies of the others' contributions and
    /// files, keeping its own and the ledger, the extensions and the evaluation.
    /// - Returns: how many spaces it was applied to.
    @discardableResult
    func applyDispositions() async -> Int {
        var applied = 0
        for space in (try? await store.spaces()) ?? [] {
            do {
                let (agreement, _) = try await load(space.id)
                guard clock.now() >= agreement.endsAt, try await store.disposition(space: space.id) == nil else { continue }
                let erase = agreement.disposition == .returnToContributors
                let event = trail.event(.jitDisposed, actor: "system", role: nil, subject: "jit:\(space.id)", details: ["disposition": agreement.disposition.rawValue])
                if let erased = try await store.applyDisposition(space: space.id, disposition: agreement.disposition.rawValue, eraseOthers: erase, own: ownAgencyCode,
                                                                 keeping: Self.keptAtDisposition.map(\.rawValue), audit: [event], at: clock.now()) {
                    applied += 1
                    logger.info("JIT disposition applied", metadata: ["space": "\(space.id)", "disposition": "\(agreement.disposition.rawValue)", "erased": "\(erased)"])
                }
            } catch {
                logger.warning("JIT disposition failed", metadata: ["space": "\(space.id)", "error": "\(error)"])
            }
        }
        if applied > 0 { await trail.wakeup.signal() }
        return applied
    }
}

/// The next chunk a download reads.
final class ChunkCursor: Sendable {
    private let position = Mutex(0)
    func take() -> Int { position.withLock { value in defer { value += 1 }; return value } }
}
