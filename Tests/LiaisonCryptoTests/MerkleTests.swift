import Crypto
import Foundation
import LiaisonCore
import LiaisonTestSupport
import Testing

@testable import LiaisonCrypto

extension SharedData {
    /// The JSON files under `path`, in order.
    static func files(under path: String) -> [URL] {
        guard let root = directory?.appendingPathComponent(path),
              let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }
}

/// The recursive Merkle Tree Hash of RFC 9162 §2.1.1, written the slow way, as an oracle.
func referenceRoot(_ leaves: [Data]) -> Data {
    switch leaves.count {
    case 0: return Data(SHA256.hash(data: Data()))
    case 1: return Merkle.leafHash(leaves[0])
    default:
        let k = Int(Merkle.split(UInt64(leaves.count)))
        return Merkle.nodeHash(referenceRoot(Array(leaves[..<k])), referenceRoot(Array(leaves[k...])))
    }
}

/// An in-memory log: every complete subtree hash, as a store keeps them.
struct MemoryLog {
    var frontier = MerkleFrontier()
    var hashes: [MerkleNode: Data] = [:]

    mutating func append(_ entry: Data) {
        for (node, hash) in frontier.append(leafHash: Merkle.leafHash(entry)) { hashes[node] = hash }
    }

    func inclusion(_ index: UInt64, size: UInt64) throws -> [Data] {
        try MerkleProofPlan.inclusion(index: index, size: size).assemble(from: hashes)
    }

    func consistency(_ from: UInt64, _ to: UInt64) throws -> [Data] {
        try MerkleProofPlan.consistency(from: from, to: to).assemble(from: hashes)
    }

    func root(_ size: UInt64) throws -> Data {
        try MerkleFrontier(size: size, hashes: hashes).root
    }
}

@Suite("Merkle log (RFC 9162)")
struct MerkleTests {
    @Test("the primitive hashes match RFC 6962's known answers")
    func knownAnswers() {
        #expect(Merkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Merkle.leafHash(Data()).hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        #expect(Merkle.leafHash(Data("L123456".utf8)).hex == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        #expect(Merkle.nodeHash(Data("N123".utf8), Data("N456".utf8)).hex == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
    }

    @Test("appending leaf by leaf gives the reference tree's roots")
    func referenceTreeRoots() {
        let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map { Data(hex: $0) }
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c", "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        var log = MemoryLog()
        #expect(log.frontier.root == Merkle.emptyRoot)
        for (leaf, root) in zip(leaves, roots) {
            log.append(leaf)
            #expect(log.frontier.root.hex == root)
        }
    }

    @Test("every proof the log builds from stored subtree hashes verifies, for every size up to 70")
    func generatedProofsVerify() throws {
        var log = MemoryLog()
        var leaves: [Data] = []
        var roots: [Data] = [Merkle.emptyRoot]
        for i in 0..<70 {
            let leaf = Data("entry \(i)".utf8)
            leaves.append(leaf)
            log.append(leaf)
            roots.append(log.frontier.root)
            #expect(log.frontier.root == referenceRoot(leaves))
            #expect(try log.root(UInt64(leaves.count)) == log.frontier.root)
        }
        for size in 1...UInt64(70) {
            for index in 0..<size {
                let proof = try log.inclusion(index, size: size)
                let ok = MerkleVerifier.verifyInclusion(index: index, size: size, leafHash: Merkle.leafHash(leaves[Int(index)]), proof: proof, root: roots[Int(size)])
                #expect(ok.isVerified, "inclusion of \(index) in \(size)")
                // The same proof does not vouch for a neighbour.
                let wrong = MerkleVerifier.verifyInclusion(index: index, size: size, leafHash: Merkle.leafHash(Data("forged".utf8)), proof: proof, root: roots[Int(size)])
                #expect(!wrong.isVerified)
            }
            for old in 1...size {
                let proof = try log.consistency(old, size)
                let ok = MerkleVerifier.verifyConsistency(oldSize: old, newSize: size, oldRoot: roots[Int(old)], newRoot: roots[Int(size)], proof: proof)
                #expect(ok.isVerified, "consistency \(old) → \(size)")
                if old < size {
                    let forked = MerkleVerifier.verifyConsistency(oldSize: old, newSize: size, oldRoot: Merkle.leafHash(Data("fork".utf8)), newRoot: roots[Int(size)], proof: proof)
                    #expect(!forked.isVerified)
                }
            }
        }
    }

    @Test("a subtree's storage key round-trips and decomposition covers the range exactly")
    func nodeKeys() {
        for node in [MerkleNode(level: 0, index: 0), MerkleNode(level: 3, index: 12_345), MerkleNode(level: 40, index: 7)] {
            #expect(MerkleNode(key: node.key) == node)
        }
        for size in UInt64(1)...300 {
            let nodes = MerkleNode.decompose(0..<size)
            #expect(nodes.count == size.nonzeroBitCount)
            #expect(nodes.first?.leaves.lowerBound == 0 && nodes.last?.leaves.upperBound == size)
        }
    }

    @Test("the edge cases refuse: index 2^64−1, a consistency proof from size 0, short hashes")
    func edgeCases() {
        let leaf = Merkle.leafHash(Data())
        #expect(MerkleVerifier.verifyInclusion(index: .max, size: .max, leafHash: leaf, proof: [], root: leaf) == .failed(.indexOutOfRange))
        #expect(MerkleVerifier.verifyConsistency(oldSize: 0, newSize: 1, oldRoot: Merkle.emptyRoot, newRoot: leaf, proof: []) == .failed(.emptyOldTree))
        #expect(MerkleVerifier.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: Data("short".utf8), newRoot: Data("short".utf8), proof: []) == .failed(.malformedHash))
        #expect(throws: LiaisonError.self) { try MerkleProofPlan.inclusion(index: 3, size: 3) }
        #expect(throws: LiaisonError.self) { try MerkleProofPlan.consistency(from: 0, to: 3) }
    }
}

/// The independent vectors in `../shared/data/merkle`, with Liaison's documented policy for the
/// edge cases (`docs/audit.md`): the outcomes that differ from a vector's are listed here, by file,
/// with the reason, so that any other difference fails.
@Suite("Merkle test vectors (transparency-dev, CCTV)", .enabled(if: SharedData.available, SharedData.skipMessage("the test vectors are")))
struct MerkleVectorTests {
    /// Vectors whose expected outcome Liaison's stricter policy reverses (it refuses them).
    static let emptySubtree = "an empty subtree proves nothing about the tree: Liaison refuses it, as it refuses a consistency proof from size 0"
    static let deviations: [String: String] = [
        "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": "its 12-byte 'roots' are not SHA-256 hashes: Liaison refuses any hash that is not 32 bytes",
        "subtreeconsistency/additional/sizes-are-equal-one-and-proof-is-empty.json": "its 12-byte 'roots' are not SHA-256 hashes: Liaison refuses any hash that is not 32 bytes",
        "subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-one-subtree-root-valid-proof-is-empty.json": emptySubtree,
        "subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-one-subtree-root-valid-tree-root-random-proof-is-empty.json": emptySubtree,
        "subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-zero-subtree-root-valid-proof-is-empty.json": emptySubtree,
        "subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-zero-subtree-root-valid-tree-root-random-proof-is-empty.json": emptySubtree,
        "subtreeconsistency/additional/subtree-is-empty-subtree-root-valid-proof-is-empty.json": emptySubtree,
        "subtreeconsistency/additional/subtree-is-empty-subtree-root-valid-tree-root-random-proof-is-empty.json": emptySubtree,
        "consistency-valid.json#0": "a consistency proof from the empty tree proves nothing: Liaison refuses it",
        "consistency-valid.json#1": "a consistency proof from the empty tree proves nothing: Liaison refuses it",
    ]

    struct Outcome {
        var name: String
        var expectedValid: Bool
        var valid: Bool
    }

    static func data(_ value: Any?) -> Data {
        Data(base64Encoded: value as? String ?? "") ?? Data()
    }

    static func proof(_ value: Any?) -> [Data] {
        (value as? [String] ?? []).map { Data(base64Encoded: $0) ?? Data() }
    }

    static func uint(_ value: Any?) -> UInt64 {
        if let number = value as? NSNumber { return number.uint64Value }
        return 0
    }

    func transparencyDev(_ kind: String) throws -> [Outcome] {
        try SharedData.files(under: "merkle/transparency-dev-merkle/testdata/\(kind)").map { file in
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
            let result: MerkleVerification
            switch kind {
            case "inclusion":
                result = MerkleVerifier.verifyInclusion(index: Self.uint(json["leafIdx"]), size: Self.uint(json["treeSize"]), leafHash: Self.data(json["leafHash"]), proof: Self.proof(json["proof"]), root: Self.data(json["root"]))
            case "consistency":
                result = MerkleVerifier.verifyConsistency(oldSize: Self.uint(json["size1"]), newSize: Self.uint(json["size2"]), oldRoot: Self.data(json["root1"]), newRoot: Self.data(json["root2"]), proof: Self.proof(json["proof"]))
            case "subtreeinclusion":
                result = MerkleVerifier.verifySubtreeInclusion(index: Self.uint(json["leafIdx"]), start: Self.uint(json["start"]), end: Self.uint(json["end"]), leafHash: Self.data(json["leafHash"]), proof: Self.proof(json["proof"]), root: Self.data(json["root"]))
            default:
                result = MerkleVerifier.verifySubtreeConsistency(start: Self.uint(json["start"]), end: Self.uint(json["end"]), size: Self.uint(json["size"]), subtreeRoot: Self.data(json["root1"]), root: Self.data(json["root2"]), proof: Self.proof(json["proof"]))
            }
            let name = file.path.components(separatedBy: "testdata/").last!
            return Outcome(name: name, expectedValid: !(json["wantErr"] as? Bool ?? false), valid: result.isVerified)
        }
    }

    func cctv() throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for name in ["inclusion-valid.json", "inclusion-invalid.json", "consistency-valid.json", "consistency-invalid.json"] {
            let url = SharedData.directory!.appendingPathComponent("merkle/rgdd-CCTV-merkle/merkle/testdata/\(name)")
            let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
            for (i, json) in cases.enumerated() {
                let result = name.hasPrefix("inclusion")
                    ? MerkleVerifier.verifyInclusion(index: Self.uint(json["leaf_index"]), size: Self.uint(json["tree_size"]), leafHash: Self.data(json["leaf_hash"]), proof: Self.proof(json["inclusion_path"]), root: Self.data(json["root_hash"]))
                    : MerkleVerifier.verifyConsistency(oldSize: Self.uint(json["old_size"]), newSize: Self.uint(json["new_size"]), oldRoot: Self.data(json["old_root"]), newRoot: Self.data(json["new_root"]), proof: Self.proof(json["consistency_path"]))
                outcomes.append(Outcome(name: "\(name)#\(i)", expectedValid: name.contains("-valid"), valid: result.isVerified))
            }
        }
        return outcomes
    }

    @Test("every vector gives its expected outcome, but for the documented deviations", arguments: ["inclusion", "consistency", "subtreeinclusion", "subtreeconsistency", "cctv"])
    func vectors(kind: String) throws {
        let outcomes = kind == "cctv" ? try cctv() : try transparencyDev(kind)
        #expect(outcomes.count >= 10, "too few vectors found for \(kind)")
        for outcome in outcomes {
            let expected = Self.deviations[outcome.name] == nil ? outcome.expectedValid : !outcome.expectedValid
            #expect(outcome.valid == expected, "\(outcome.name): expected \(expected ? "valid" : "invalid")")
        }
        // Generated proofs of the same shape agree with the vectors' valid ones.
        if kind == "cctv" {
            let tree = try JSONSerialization.jsonObject(with: Data(contentsOf: SharedData.directory!.appendingPathComponent("merkle/rgdd-CCTV-merkle/merkle/testdata/merkle_tree.json"))) as! [[String: Any]]
            var log = MemoryLog()
            for node in tree {
                log.append(Data((node["leaf_data"] as! String).utf8))
                #expect(log.frontier.root.base64EncodedString() == node["root_hash"] as? String)
            }
        }
    }

    @Test("all 518 transparency-dev probes are read")
    func count() throws {
        let total = try ["inclusion", "consistency", "subtreeinclusion", "subtreeconsistency"].map { try transparencyDev($0).count }.reduce(0, +)
        #expect(total == 518)
    }
}

@Suite("Signed notes and checkpoints (C2SP)")
struct SignedNoteTests {
    @Test("a note signed here verifies with its vkey; a changed text or a foreign key does not")
    func signAndVerify() throws {
        let key = Curve25519.Signing.PrivateKey()
        let checkpoint = Checkpoint(origin: "liaison/XA-POL/audit", size: 42, root: Merkle.leafHash(Data("x".utf8)))
        let note = SignedNote.format(text: checkpoint.text, signatures: [try SignedNote.sign(checkpoint.text, name: "liaison/XA-POL/audit", key: key)])
        let verifier = try NoteVerifier(verifierKey: SignedNote.verifierKey(name: "liaison/XA-POL/audit", publicKey: key.publicKey))
        let parsed = try SignedNote.parse(note)
        #expect(verifier.verifies(parsed))
        #expect(try Checkpoint(text: parsed.text) == checkpoint)
        var tampered = parsed
        tampered.text = tampered.text.replacingOccurrences(of: "\n42\n", with: "\n43\n")
        #expect(!verifier.verifies(tampered))
        #expect(!NoteVerifier(name: "liaison/XA-POL/audit", publicKey: Curve25519.Signing.PrivateKey().publicKey).verifies(parsed))
    }

    @Test("a witness's timestamped cosignature verifies with its type-0x04 key")
    func cosignature() throws {
        let witness = Curve25519.Signing.PrivateKey()
        let text = Checkpoint(origin: "liaison/XA-POL/audit", size: 1, root: Merkle.leafHash(Data())).text
        let signature = try Cosignature.sign(text, name: "liaison/XB-CUS/witness", key: witness, time: 1_790_000_000)
        let parsed = try SignedNote.parse(SignedNote.format(text: text, signatures: [signature]))
        let verifier = try NoteVerifier(verifierKey: SignedNote.verifierKey(name: "liaison/XB-CUS/witness", type: SignedNote.cosignatureType, publicKey: witness.publicKey))
        #expect(verifier.verifies(parsed))
        #expect(signature.bytes.count == 4 + 8 + 64)
    }

    @Test("a vkey whose base64 key holds '+' parses (the name cannot hold one)")
    func plusInKey() throws {
        var key = Curve25519.Signing.PrivateKey()
        while !SignedNote.verifierKey(name: "n", publicKey: key.publicKey).dropFirst(11).contains("+") { key = Curve25519.Signing.PrivateKey() }
        #expect(try NoteVerifier(verifierKey: SignedNote.verifierKey(name: "n", publicKey: key.publicKey)).publicKey.rawRepresentation == key.publicKey.rawRepresentation)
    }

    @Test("malformed notes, vkeys and checkpoints are refused with a reason")
    func malformed() {
        #expect(throws: LiaisonError.self) { try SignedNote.parse("no signatures\n") }
        #expect(throws: LiaisonError.self) { try SignedNote.parse("text\n\n- name AAAA\n") }
        #expect(throws: LiaisonError.self) { try NoteVerifier(verifierKey: "name+00000000+AAAA") }
        #expect(throws: LiaisonError.self) { try Checkpoint(text: "origin\n-1\nAAAA\n") }
        #expect(throws: LiaisonError.self) { try Checkpoint(text: "origin\n01\n\(Merkle.emptyRoot.base64EncodedString())\n") }
    }

    @Test("the C2SP signed-note example verifies, and the tlog-checkpoint example parses", .enabled(if: SharedData.available, SharedData.skipMessage("the test vectors are")))
    func c2spExamples() throws {
        let directory = SharedData.directory!.appendingPathComponent("merkle/c2sp")
        let vkey = try String(contentsOf: directory.appendingPathComponent("signed-note-example.vkey.txt"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let note = try String(contentsOf: directory.appendingPathComponent("signed-note-example.note.txt"), encoding: .utf8)
        #expect(try NoteVerifier(verifierKey: vkey).verifies(SignedNote.parse(note)))
        let example = try SignedNote.parse(String(contentsOf: directory.appendingPathComponent("tlog-checkpoint-example.note.txt"), encoding: .utf8))
        let checkpoint = try Checkpoint(text: example.text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
    }
}

extension Data {
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
