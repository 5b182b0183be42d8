import Foundation
import LiaisonCore
import LiaisonMatching
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The DNA index's snapshot (issue 29): written after a build, trusted on the next start only
/// while it is whole and holds the store's current version.
@Suite("DNA index snapshots on a node")
struct HitSnapshotTests {
    static func csv(_ count: Int, seed: UInt64) -> String {
        var generator = STRProfileGenerator(seed: seed)
        let loci = STRLocus.codis20.compactMap(STRLocus.named).sorted()
        var text = "reference," + loci.flatMap { ["\($0.name)_a1", "\($0.name)_a2"] }.joined(separator: ",") + "\n"
        for number in 0..<count {
            let profile = generator.nextOfMix(reference: "")
            text += "SN-\(number)" + loci.map { locus in profile.loci[locus].map { ",\($0.first),\($0.second)" } ?? ",," }.joined() + "\n"
        }
        return text
    }

    @Test("a build writes the snapshot; the next service loads it; a change, an edit, a cut or another node's snapshot is rebuilt from the store",
          arguments: Backend.available)
    func lifecycle(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = HitStore(database: database)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshots-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let snapshots = HitIndexSnapshots(directory: directory)
        let service = HitService(store: store, clock: SystemWallClock(), snapshots: snapshots)
        _ = try await service.importFile(Self.csv(600, seed: 3), category: .dna, replaceAll: false, actor: "user:sam")
        try await service.warm(.dna)
        let version = try #require(try await store.version(of: "dna"))

        // Written, readable by the node's user only, and current.
        let file = snapshots.file(for: .dna)
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        guard case .loaded(let loaded) = snapshots.load(.dna, version: version, count: 600, rules: DNAMatchRules(), frequencies: .nist1036) else {
            Issue.record("the fresh snapshot was not loaded")
            return
        }
        #expect(loaded.count == 600)

        // Another node's snapshot, or one from before a change: another version.
        guard case .rejected(let reason) = snapshots.load(.dna, version: UUID().uuidString, count: 600, rules: DNAMatchRules(), frequencies: .nist1036) else {
            Issue.record("a snapshot of another version was loaded")
            return
        }
        #expect(reason.contains("holds version"))
        // A store that holds another number of profiles.
        guard case .rejected = snapshots.load(.dna, version: version, count: 601, rules: DNAMatchRules(), frequencies: .nist1036) else {
            Issue.record("a snapshot of another size was loaded")
            return
        }

        // Edited, then cut off: refused by the digest.
        let original = try Data(contentsOf: file)
        var edited = original
        edited[edited.count / 2] ^= 0xFF
        try edited.write(to: file)
        guard case .rejected(let editedReason) = snapshots.load(.dna, version: version, count: 600, rules: DNAMatchRules(), frequencies: .nist1036) else {
            Issue.record("an edited snapshot was loaded")
            return
        }
        #expect(editedReason.contains("digest"))
        try original.prefix(original.count - 100).write(to: file)
        guard case .rejected = snapshots.load(.dna, version: version, count: 600, rules: DNAMatchRules(), frequencies: .nist1036) else {
            Issue.record("a cut-off snapshot was loaded")
            return
        }

        // A new service over the same store rebuilds from the store and rewrites a current snapshot.
        let restarted = HitService(store: store, clock: SystemWallClock(), snapshots: snapshots)
        try await restarted.warm(.dna)
        guard case .loaded = snapshots.load(.dna, version: version, count: 600, rules: DNAMatchRules(), frequencies: .nist1036) else {
            Issue.record("the rebuild did not rewrite the snapshot")
            return
        }

        // An import gives the data a new version; a serving node rebuilds at once, and the
        // snapshot follows.
        await restarted.keepIndexCurrent()
        _ = try await restarted.importFile(Self.csv(10, seed: 4).replacingOccurrences(of: "SN-", with: "NEW-"), category: .dna, replaceAll: false, actor: "user:sam")
        let newer = try #require(try await store.version(of: "dna"))
        #expect(newer != version)
        var current = false
        for _ in 0..<100 {
            if case .loaded(let index) = snapshots.load(.dna, version: newer, count: 610, rules: DNAMatchRules(), frequencies: .nist1036), index.count == 610 {
                current = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(current)
        await database.shutdown()
    }
}
