package import Foundation
package import Crypto
package import LiaisonCore
package import LiaisonCrypto
package import LiaisonStore
package import ZIPFoundation

/// The evidence package (`liaison-evidence-package/1`): a ZIP that a court verifies offline.
///
/// ```
/// manifest.json                 what is in the package and how the parts relate
/// content/<file name>           the evidence file, decrypted (files only)
/// checkpoints/<agency>.note     each audit log's signed checkpoint, with partner cosignatures
/// keys/<agency>.json            the identity documents of every node that signed anything
/// case.jsonld                   the chain as a CASE ontology provenance record
/// ```
///
/// The format is documented in `docs/evidence.md`.
package struct EvidenceManifest: Codable, Sendable, Equatable {
    package struct Custody: Codable, Sendable, Equatable {
        package var signed: SignedCustodyEvent
        package var audit: AuditProof
    }

    /// Where a custody event sits in its node's audit log.
    package struct AuditProof: Codable, Sendable, Equatable {
        /// The audit log's origin, `liaison/<agency>/audit`.
        package var log: String
        package var index: UInt64
        /// The exact leaf bytes, base64.
        package var leaf: String
        /// The inclusion proof against the package's checkpoint of that log, base64 hashes.
        package var proof: [String]
    }

    package var format = "liaison-evidence-package/1"
    package var exportedBy: String
    package var exportedAt: Date
    package var item: EvidenceItem
    /// The path of the evidence file in the package, for files.
    package var content: String?
    package var custody: [Custody]
    /// Log origin → path of its checkpoint note.
    package var checkpoints: [String: String]
    /// Agency code → path of its identity document.
    package var keys: [String: String]
}

/// Builds an item's package from this node's evidence and audit log.
package struct EvidencePackageBuilder: Sendable {
    let ownAgencyCode: String
    let identity: IdentityDocument
    let evidence: EvidenceService
    let log: AuditLog
    let audit: AuditStore
    let federation: FederationStore
    let clock: any WallClock

    /// The package's bytes.
    package func build(_ id: String) async throws -> Data {
        guard let record = try await evidence.store.item(id) else { throw LiaisonError(.notFound, "No evidence item \(id).") }
        let stored = try await evidence.store.events(id)
        let chain = try stored.map { try JSON.decoder.decode(SignedCustodyEvent.self, from: $0.signedJSON) }
        guard !chain.isEmpty else { throw LiaisonError(.conflict, "Evidence item \(id) has no custody chain yet: store its content first.") }
        let ownLog = Checkpoint.auditOrigin(agencyCode: ownAgencyCode)
        // Every custody event signed here must be in the tree and under a signed checkpoint.
        try await log.sequence()
        let fresh = try await log.checkpoint()
        let leaves = try await audit.search(.init(operation: AuditOperation.custodyEvent.rawValue, subject: "evidence:\(id)"), limit: 100_000)
        var byHash: [String: AuditEntryRecord] = [:]
        for entry in leaves {
            if let leaf = try? AuditLeaf(bytes: entry.leaf), let hash = leaf.event.details?["eventSHA256"] { byHash[hash] = entry }
        }
        // The newest checkpoint that covers every event, preferring one already cosigned.
        let highest = chain.filter { $0.signer == ownAgencyCode }.compactMap { byHash[$0.hash]?.index }.max() ?? 0
        let checkpoint = try await audit.checkpoints().last { $0.size > highest && $0.note.components(separatedBy: "\n\u{2014} ").count > 2 } ?? fresh
        var custody: [EvidenceManifest.Custody] = []
        for (signed, row) in Swift.zip(chain, stored) {
            if signed.signer != ownAgencyCode, let proof = row.auditJSON {
                // Signed by the agency that handed the item over: its proof is in that agency's log.
                custody.append(.init(signed: signed, audit: try JSON.decoder.decode(EvidenceManifest.AuditProof.self, from: proof)))
                continue
            }
            guard let entry = byHash[signed.hash] else {
                throw LiaisonError(.unavailable, "custody event \(signed.hash) of \(id) is not in the audit log yet; try again in a moment")
            }
            let proof = try await log.inclusionProof(index: entry.index, size: checkpoint.size)
            custody.append(.init(signed: signed, audit: .init(
                log: ownLog, index: entry.index, leaf: entry.leaf.base64EncodedString(), proof: proof.map { $0.base64EncodedString() }
            )))
        }
        var notes: [String: String] = [ownLog: checkpoint.note]
        if let imported = try await evidence.store.importedCheckpoints(id) {
            for (origin, note) in try JSON.decoder.decode([String: String].self, from: imported) where origin != ownLog { notes[origin] = note }
        }
        var files: [(String, Data)] = []
        var contentPath: String?
        if record.item.kind == .file {
            let (file, content) = try await evidence.content(id)
            let path = "content/" + Self.safeName(file.name)
            files.append((path, content))
            contentPath = path
        }
        var keys: [String: String] = [ownAgencyCode: "keys/\(ownAgencyCode).json"]
        files.append(("keys/\(ownAgencyCode).json", try JSON.canonicalEncoder.encode(identity)))
        // Every other agency whose key signed something in the package: custody signers, log owners, witnesses.
        var agencies = Set(chain.map(\.signer))
        for note in notes.values {
            for signature in try SignedNote.parse(note).signatures {
                if let agency = Self.agency(ofWitness: signature.name) ?? Checkpoint.agencyCode(fromAuditOrigin: signature.name) { agencies.insert(agency) }
            }
        }
        for partner in try await federation.partners() where agencies.contains(partner.identity.agencyCode) {
            keys[partner.identity.agencyCode] = "keys/\(partner.identity.agencyCode).json"
            files.append(("keys/\(partner.identity.agencyCode).json", try JSON.canonicalEncoder.encode(partner.identity)))
        }
        var checkpointPaths: [String: String] = [:]
        for (origin, note) in notes {
            let path = "checkpoints/\(Checkpoint.agencyCode(fromAuditOrigin: origin) ?? "log").note"
            checkpointPaths[origin] = path
            files.append((path, Data(note.utf8)))
        }
        let manifest = EvidenceManifest(
            exportedBy: ownAgencyCode, exportedAt: clock.now(), item: record.item, content: contentPath, custody: custody,
            checkpoints: checkpointPaths, keys: keys
        )
        files.append(("manifest.json", try JSON.canonicalEncoder.encode(manifest)))
        files.append(("case.jsonld", try CASEProvenance.document(manifest)))
        return try Self.zip(files)
    }

    static func agency(ofWitness name: String) -> String? {
        let parts = name.split(separator: "/")
        return parts.count == 3 && parts[0] == "liaison" && parts[2] == "witness" ? String(parts[1]) : nil
    }

    /// A file name that stays inside `content/`.
    static func safeName(_ name: String) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.prefix(120))
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "evidence.bin" : cleaned
    }

    /// A ZIP of the files, stored (no compression), so a byte of evidence is a byte of the package.
    static func zip(_ files: [(String, Data)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in files {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 0)) { position, size in  // checked: a count
                data.subdata(in: Int(position)..<Int(position) + size)  // checked: ZIPFoundation asks for ranges inside the data it was given
            }
        }
        guard let data = archive.data else { throw LiaisonError(.configuration, "the package could not be assembled") }
        return data
    }

    /// A package's files by path. CRCs are not checked: a changed byte must reach the SHA-256 check
    /// and be named there.
    static func unzip(_ data: Data) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let archive = try Archive(data: data, accessMode: .read)
        for entry in archive where entry.type == .file {
            var content = Data()
            _ = try archive.extract(entry, skipCRC32: true) { content.append($0) }
            files[entry.path] = content
        }
        return files
    }
}

/// The offline verification of an evidence package: what `liaison verify FILE.zip` runs. It needs
/// nothing but the package: every key it uses is in it, and the report prints their fingerprints
/// so that a court can compare them with the ones the agencies publish.
package enum EvidencePackageVerifier {
    package struct Check: Sendable, Equatable {
        package var name: String
        package var passed: Bool
        package var detail: String
    }

    package struct Report: Sendable {
        package var checks: [Check] = []
        package var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

        mutating func check(_ name: String, _ passed: Bool, _ detail: String) {
            checks.append(Check(name: name, passed: passed, detail: detail))
        }

        /// One line per check, then the verdict.
        package var text: String {
            checks.map { "\($0.passed ? "PASS" : "FAIL")  \($0.name): \($0.detail)" }.joined(separator: "\n")
                + "\n" + (passed ? "VERIFIED: every check passed." : "NOT VERIFIED: \(checks.filter { !$0.passed }.count) check(s) failed.")
        }
    }

    /// Verifies a package's bytes.
    package static func verify(_ data: Data) -> Report {
        var report = Report()
        let files: [String: Data]
        do {
            files = try EvidencePackageBuilder.unzip(data)
        } catch {
            report.check("package", false, "not a readable ZIP archive (\(error))")
            return report
        }
        guard let manifestData = files["manifest.json"], let manifest = try? JSON.decoder.decode(EvidenceManifest.self, from: manifestData),
              manifest.format == "liaison-evidence-package/1"
        else {
            report.check("manifest", false, "manifest.json is missing or not a liaison-evidence-package/1 manifest")
            return report
        }
        report.check("manifest", true, "item \(manifest.item.id), case \(manifest.item.caseRef), exported by \(manifest.exportedBy) at \(manifest.exportedAt.formatted(.iso8601))")

        // Keys.
        var identities: [String: IdentityDocument] = [:]
        for (agency, path) in manifest.keys.sorted(by: { $0.key < $1.key }) {
            guard let bytes = files[path], let identity = try? JSON.decoder.decode(IdentityDocument.self, from: bytes), identity.agencyCode == agency,
                  (try? PartnerKeys(identity: identity)) != nil
            else {
                report.check("keys of \(agency)", false, "\(path) is missing or not a valid identity document")
                continue
            }
            identities[agency] = identity
            report.check("keys of \(agency)", true, "signing key fingerprint \(identity.signingKey.fingerprint) — compare with the one \(agency) publishes")
        }

        // Content.
        if let file = manifest.item.file {
            if let path = manifest.content, let content = files[path] {
                let hash = SHA256.hash(data: content).lowercaseHex
                report.check("evidence file", hash == file.sha256, hash == file.sha256
                    ? "\(path): SHA-256 \(hash) matches the registered hash (\(content.count) bytes)"
                    : "\(path): SHA-256 is \(hash), but the item was registered with \(file.sha256): the file was altered")
            } else {
                report.check("evidence file", false, "the manifest names a file but the package does not contain it")
            }
        } else {
            report.check("evidence file", manifest.item.kind == .physical, manifest.item.kind == .physical ? "a physical object: no file" : "a file item without its file")
        }

        // Checkpoints.
        var roots: [String: Checkpoint] = [:]
        for (origin, path) in manifest.checkpoints.sorted(by: { $0.key < $1.key }) {
            guard let agency = Checkpoint.agencyCode(fromAuditOrigin: origin), let identity = identities[agency],
                  let vkey = identity.auditVerifierKey, let verifier = try? NoteVerifier(verifierKey: vkey),
                  let text = files[path].map({ String(decoding: $0, as: UTF8.self) }), let note = try? SignedNote.parse(text),
                  let checkpoint = try? Checkpoint(text: note.text), checkpoint.origin == origin
            else {
                report.check("checkpoint of \(origin)", false, "\(path) is missing, malformed, or its node's keys are not in the package")
                continue
            }
            guard verifier.verifies(note) else {
                report.check("checkpoint of \(origin)", false, "the signature on checkpoint \(checkpoint.size) does not verify with \(agency)'s key: it was replaced or altered")
                continue
            }
            roots[origin] = checkpoint
            report.check("checkpoint of \(origin)", true, "tree size \(checkpoint.size), root \(checkpoint.root.base64EncodedString()), signed by \(agency)")
            for signature in note.signatures where signature.name != origin {
                guard let witness = EvidencePackageBuilder.agency(ofWitness: signature.name), let key = identities[witness]?.witnessVerifierKey,
                      let cosigner = try? NoteVerifier(verifierKey: key)
                else {
                    report.check("cosignature by \(signature.name)", false, "the witness's keys are not in the package")
                    continue
                }
                let valid = cosigner.verifies(SignedNote.Parsed(text: note.text, signatures: [signature]))
                report.check("cosignature by \(witness)", valid, valid ? "\(witness) witnessed this checkpoint as consistent with its history" : "the cosignature does not verify")
            }
        }

        // The chain of custody.
        var previous = (try? SignedCustodyEvent.chainStart(manifest.item)) ?? ""
        var closed = false
        for (position, custody) in manifest.custody.enumerated() {
            let name = "custody event \(position)"
            guard let signer = identities[custody.signed.signer], let key = try? PartnerKeys(identity: signer).signing else {
                report.check(name, false, "signed by \(custody.signed.signer), whose keys are not in the package")
                continue
            }
            let event: CustodyEvent
            do {
                event = try custody.signed.verified(with: key)
            } catch {
                report.check(name, false, "\(error.message): the event was altered after it was signed")
                continue
            }
            var problems: [String] = []
            if event.sequence != position { problems.append("it says it is event \(event.sequence)") }
            if event.itemId != manifest.item.id { problems.append("it is about item \(event.itemId)") }
            if event.previous != previous { problems.append("it does not follow the previous event (the chain was cut, reordered or an event removed)") }
            if event.contentSHA256 != manifest.item.file?.sha256 { problems.append("it names content \(event.contentSHA256 ?? "none")") }
            if closed { problems.append("it comes after the item was destroyed") }
            if event.node != custody.signed.signer { problems.append("its node \(event.node) is not its signer") }
            report.check(name, problems.isEmpty, problems.isEmpty
                ? "\(event.action.rawValue) by \(event.actor) at \(event.node), \(event.time.formatted(.iso8601)), \(event.place): signature valid, linked to the previous event"
                : problems.joined(separator: "; "))
            previous = custody.signed.hash
            closed = closed || event.action == .destroyed

            // Its record in the acting node's audit log.
            let auditName = "audit record of custody event \(position)"
            guard let checkpoint = roots[custody.audit.log] else {
                report.check(auditName, false, "no verified checkpoint of \(custody.audit.log) in the package")
                continue
            }
            guard let leafBytes = Data(base64Encoded: custody.audit.leaf), let leaf = try? AuditLeaf(bytes: leafBytes) else {
                report.check(auditName, false, "the audit leaf is malformed")
                continue
            }
            let proof = custody.audit.proof.compactMap { Data(base64Encoded: $0) }
            let included = MerkleVerifier.verifyInclusion(index: custody.audit.index, size: checkpoint.size, leafHash: Merkle.leafHash(leafBytes), proof: proof, root: checkpoint.root)
            let names = leaf.index == custody.audit.index && leaf.event.operation == .custodyEvent && leaf.event.details?["eventSHA256"] == custody.signed.hash
            report.check(auditName, included.isVerified && names, !names
                ? "the audit leaf does not record this event"
                : included.isVerified ? "entry \(custody.audit.index) of \(custody.audit.log), included under the signed root of size \(checkpoint.size)" : "the inclusion proof fails (\(included)): the log or the proof was altered")
        }
        if manifest.custody.isEmpty { report.check("custody", false, "the package holds no custody events") }
        return report
    }
}

extension Error {
    fileprivate var message: String { (self as? LiaisonError)?.message ?? "\(self)" }
}
