import Crypto
import Foundation
import LiaisonCore
import LiaisonMatching

/// Snapshots of the DNA index in the node's data directory (`indexes/dna.snapshot`), so that a
/// restarted node searches DNA seconds after it starts instead of after reading every profile
/// from its store.
///
/// A snapshot is trusted only when it is whole and current: its SHA-256 (the file's last 32
/// bytes) matches the bytes before it, it holds the version token the store gives the category
/// now (a new token with every import and removal, so a snapshot from before a change, or from
/// another node, never matches), and it holds as many profiles as the store. Otherwise the
/// index is rebuilt from the store and the snapshot rewritten. Files are written to a temporary
/// name and renamed, readable by the node's user only.
struct HitIndexSnapshots: Sendable {
    let directory: URL

    /// Why a snapshot was not used, for the log.
    enum Outcome {
        case loaded(ReferenceIndex)
        case missing
        case rejected(String)
    }

    func file(for category: HitCategory) -> URL { directory.appendingPathComponent("\(category.rawValue).snapshot") }

    /// The category's index from its snapshot, when the snapshot holds `version` and `count` records.
    func load(_ category: HitCategory, version: String, count: Int, rules: DNAMatchRules, frequencies: AlleleFrequencies) -> Outcome {
        let url = file(for: category)
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            return .rejected("cannot be read: \(error.localizedDescription)")
        }
        guard data.count > 32 else { return .rejected("is cut off (\(data.count) bytes)") }
        let body = data.prefix(data.count - 32)
        guard Data(SHA256.hash(data: body)) == data.suffix(32) else { return .rejected("does not match its digest: cut off or edited") }
        guard let held = DNAIndex.snapshotVersion(body) else { return .rejected("is not a DNA index snapshot") }
        guard held == version else { return .rejected("holds version \(held), the store \(version): the data changed since, or it is another node's") }
        do {
            let index = try ReferenceIndex(dnaSnapshot: [UInt8](body), rules: rules, frequencies: frequencies)
            guard index.count == count else { return .rejected("holds \(index.count) profiles, the store \(count)") }
            return .loaded(index)
        } catch {
            return .rejected(error.message)
        }
    }

    /// Writes the index's snapshot labelled with `version`.
    func save(_ index: ReferenceIndex, category: HitCategory, version: String) throws {
        guard let bytes = index.snapshot(version: version) else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var data = Data(bytes)
        data.append(contentsOf: SHA256.hash(data: data))
        let url = file(for: category)
        let temporary = url.appendingPathExtension("partial")
        FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600])
        try data.write(to: temporary)
        // rename(2) replaces the old snapshot atomically: a reader sees the old one or the new one.
        guard rename(temporary.path, url.path) == 0 else {
            throw LiaisonError(.unavailable, "cannot move the snapshot into place: \(String(cString: strerror(errno)))")
        }
    }
}
