public import Crypto
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Merkle tree hashing of RFC 9162 (Certificate Transparency 2.0) §2.1.1, the hashing of
/// RFC 6962, Go's `sumdb/tlog` and the C2SP tlog specifications.
///
/// - Leaf: `SHA-256(0x00 ‖ entry)`.
/// - Interior node: `SHA-256(0x01 ‖ left ‖ right)`.
/// - The empty tree: `SHA-256("")`.
public enum Merkle {
    /// Every hash is SHA-256: 32 bytes.
    public static let hashSize = 32

    /// The root of the empty tree, `SHA-256("")` (RFC 9162 §2.1.1).
    public static let emptyRoot = Data(SHA256.hash(data: Data()))

    /// `SHA-256(0x00 ‖ entry)`.
    public static func leafHash(_ entry: some DataProtocol) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: entry)
        return Data(hasher.finalize())
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`.
    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    /// The largest power of two strictly below `n` (`n` ≥ 2): RFC 9162's split point `k`.
    static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return 1 << (63 - (n - 1).leadingZeroBitCount)
    }
}

/// A small tree held in memory whole (a batch of receipts): its head and each leaf's inclusion
/// proof, by RFC 9162 §2.1.1 (MTH) and §2.1.3.1 (PATH), each subtree hashed once.
public struct MerkleBatch: Sendable {
    public let leafHashes: [Data]
    private var subtrees: [Range<Int>: Data] = [:]

    /// - Parameter leafHashes: at least one.
    public init(leafHashes: [Data]) {
        precondition(!leafHashes.isEmpty, "a batch has at least one leaf")
        self.leafHashes = leafHashes
        _ = hash(0..<leafHashes.count)
    }

    /// The tree head.
    public var root: Data { subtrees[0..<leafHashes.count] ?? leafHashes[0] }

    /// The inclusion proof of leaf `index`, as ``MerkleVerifier/verifyInclusion(index:size:leafHash:proof:root:)`` takes it.
    public func proof(_ index: Int) -> [Data] {
        var range = 0..<leafHashes.count
        var path: [Data] = []
        while range.count > 1 {
            let k = Int(Merkle.split(UInt64(range.count)))  // checked: a count, and its split is smaller
            let left = range.lowerBound..<(range.lowerBound + k), right = (range.lowerBound + k)..<range.upperBound
            if index < right.lowerBound {
                path.append(subtrees[right] ?? leafHashes[right.lowerBound])
                range = left
            } else {
                path.append(subtrees[left] ?? leafHashes[left.lowerBound])
                range = right
            }
        }
        return path.reversed()
    }

    private mutating func hash(_ range: Range<Int>) -> Data {
        guard range.count > 1 else { return leafHashes[range.lowerBound] }
        let k = Int(Merkle.split(UInt64(range.count)))  // checked: a count, and its split is smaller
        let node = Merkle.nodeHash(hash(range.lowerBound..<(range.lowerBound + k)), hash((range.lowerBound + k)..<range.upperBound))
        subtrees[range] = node
        return node
    }
}

/// A complete subtree of the log: the `2^level` leaves starting at `index << level`.
///
/// A log stores the hash of each complete subtree once it is full; these never change, so every
/// proof and every root is assembled from them without rehashing leaves.
public struct MerkleNode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var level: Int
    public var index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The leaves it covers.
    public var leaves: Range<UInt64> { (index << level)..<((index + 1) << level) }

    /// One integer for storage: `level << 48 | index` (a log of up to 2^48 leaves; a signed 64-bit
    /// column holds it).
    public var key: Int64 { Int64(level) << 48 | Int64(index) }  // checked: level < 64 and index < 2^48 (this node's own log)

    public init(key: Int64) {
        self.init(level: Int(key >> 48), index: UInt64(key & (1 << 48 - 1)))  // checked: a stored key is non-negative
    }

    public static func < (a: MerkleNode, b: MerkleNode) -> Bool { a.key < b.key }

    public var description: String { "(\(level), \(index))" }

    /// The complete subtrees that make up the leaf range `range`, left to right. The ranges that
    /// RFC 9162's proofs and roots use start on a multiple of the largest power of two they
    /// contain, so this is the binary decomposition of their length.
    public static func decompose(_ range: Range<UInt64>) -> [MerkleNode] {
        var nodes: [MerkleNode] = []
        var start = range.lowerBound
        while start < range.upperBound {
            // The largest power of two that fits and to which `start` is aligned.
            var level = 63 - (range.upperBound - start).leadingZeroBitCount
            if start != 0 { level = min(level, start.trailingZeroBitCount) }
            nodes.append(MerkleNode(level: level, index: start >> UInt64(level)))  // checked: level is 0...63
            start += 1 << UInt64(level)  // checked: level is 0...63 and the range ends at or before UInt64.max
        }
        return nodes
    }
}

/// The right edge of an append-only tree: the hashes of the complete subtrees that make up its
/// leaves (one per set bit of the size). Appending a leaf yields the new complete subtrees to store;
/// the root folds the edge. Nothing is ever rehashed.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: UInt64
    /// Left (largest) to right.
    public private(set) var nodes: [(node: MerkleNode, hash: Data)]

    /// The empty tree.
    public init() {
        self.size = 0
        self.nodes = []
    }

    /// The edge of a tree of `size` leaves, given the hashes of ``MerkleNode/decompose(_:)`` of `0..<size`.
    /// - Throws: ``LiaisonError`` `.invalidInput` when a hash is missing or not 32 bytes.
    public init(size: UInt64, hashes: [MerkleNode: Data]) throws(LiaisonError) {
        self.size = size
        self.nodes = try MerkleNode.decompose(0..<size).map { node throws(LiaisonError) in
            guard let hash = hashes[node], hash.count == Merkle.hashSize else {
                throw LiaisonError(.invalidInput, "the stored hash of subtree \(node) is missing or malformed")
            }
            return (node, hash)
        }
    }

    /// Appends a leaf.
    /// - Returns: the complete subtrees this leaf completes, the leaf itself first.
    @discardableResult
    public mutating func append(leafHash: Data) -> [(node: MerkleNode, hash: Data)] {
        var node = MerkleNode(level: 0, index: size)
        var hash = leafHash
        var completed = [(node, hash)]
        while let last = nodes.last, last.node.level == node.level {
            nodes.removeLast()
            hash = Merkle.nodeHash(last.hash, hash)
            node = MerkleNode(level: node.level + 1, index: node.index >> 1)
            completed.append((node, hash))
        }
        nodes.append((node, hash))
        size += 1
        return completed
    }

    /// The tree head: `SHA-256("")` for the empty tree.
    public var root: Data {
        guard var hash = nodes.last?.hash else { return Merkle.emptyRoot }
        for left in nodes.dropLast().reversed() { hash = Merkle.nodeHash(left.hash, hash) }
        return hash
    }

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.nodes.map(\.hash) == b.nodes.map(\.hash)
    }
}

/// What a proof needs from the log's stored hashes, and how to assemble it from them.
///
/// Proofs follow RFC 9162 §2.1.3.1 (`PATH`) and §2.1.4.1 (`PROOF`/`SUBPROOF`): each element is the
/// hash of a leaf range; a range that is not a complete subtree (the right edge of the tree) is
/// folded from the complete subtrees it decomposes into. A proof therefore reads O(log² n) stored
/// hashes at most, in one batch, and hashes only along the right edge.
public struct MerkleProofPlan: Sendable {
    /// The ranges whose hashes make up the proof, in proof order.
    public let ranges: [Range<UInt64>]

    /// The stored subtree hashes to fetch.
    public var nodes: Set<MerkleNode> { Set(ranges.flatMap(MerkleNode.decompose)) }

    /// The audit path of leaf `index` in the tree of `size` leaves.
    /// - Throws: ``LiaisonError`` `.invalidInput` unless `index < size`.
    public static func inclusion(index: UInt64, size: UInt64) throws(LiaisonError) -> MerkleProofPlan {
        guard index < size else { throw LiaisonError(.invalidInput, "leaf index \(index) is not in a tree of \(size) entries") }
        var ranges: [Range<UInt64>] = []
        path(index, 0..<size, into: &ranges)
        return MerkleProofPlan(ranges: ranges)
    }

    /// The proof that the tree of `from` leaves is a prefix of the tree of `to` leaves.
    /// - Throws: ``LiaisonError`` `.invalidInput` unless `0 < from ≤ to` (a proof from the empty
    ///   tree proves nothing; see `docs/audit.md`).
    public static func consistency(from: UInt64, to: UInt64) throws(LiaisonError) -> MerkleProofPlan {
        guard from > 0, from <= to else { throw LiaisonError(.invalidInput, "no consistency proof from \(from) to \(to) entries: need 0 < from ≤ to") }
        var ranges: [Range<UInt64>] = []
        if from < to { subproof(from, 0..<to, complete: true, into: &ranges) }
        return MerkleProofPlan(ranges: ranges)
    }

    /// RFC 9162 §2.1.3.1 `PATH(m, D[n])`, as ranges.
    private static func path(_ m: UInt64, _ range: Range<UInt64>, into ranges: inout [Range<UInt64>]) {
        let n = UInt64(range.count)  // checked: a count
        guard n > 1 else { return }
        let k = Merkle.split(n)
        let middle = range.lowerBound + k
        if m < middle {
            path(m, range.lowerBound..<middle, into: &ranges)
            ranges.append(middle..<range.upperBound)
        } else {
            path(m, middle..<range.upperBound, into: &ranges)
            ranges.append(range.lowerBound..<middle)
        }
    }

    /// RFC 9162 §2.1.4.1 `SUBPROOF(m, D[n], b)`, as ranges; `m` counts from the range's start.
    private static func subproof(_ m: UInt64, _ range: Range<UInt64>, complete: Bool, into ranges: inout [Range<UInt64>]) {
        let n = UInt64(range.count)  // checked: a count
        if m == n {
            if !complete { ranges.append(range) }
            return
        }
        let k = Merkle.split(n)
        let middle = range.lowerBound + k
        if m <= k {
            subproof(m, range.lowerBound..<middle, complete: complete, into: &ranges)
            ranges.append(middle..<range.upperBound)
        } else {
            subproof(m - k, middle..<range.upperBound, complete: false, into: &ranges)
            ranges.append(range.lowerBound..<middle)
        }
    }

    /// The proof's hashes.
    /// - Throws: ``LiaisonError`` `.invalidInput` when a needed stored hash is missing.
    public func assemble(from hashes: [MerkleNode: Data]) throws(LiaisonError) -> [Data] {
        try ranges.map { range throws(LiaisonError) in
            let parts = try MerkleNode.decompose(range).map { node throws(LiaisonError) in
                guard let hash = hashes[node] else { throw LiaisonError(.invalidInput, "the stored hash of subtree \(node) is missing") }
                return hash
            }
            var hash = parts[parts.count - 1]
            for left in parts.dropLast().reversed() { hash = Merkle.nodeHash(left, hash) }
            return hash
        }
    }
}

/// Why a proof does not verify.
public enum MerkleProofFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedHash
    case indexOutOfRange
    case emptyOldTree
    case sizesOutOfOrder
    case wrongProofLength
    case rootMismatch

    public var description: String {
        switch self {
        case .malformedHash: "a hash is not 32 bytes"
        case .indexOutOfRange: "the leaf index is not below the tree size"
        case .emptyOldTree: "a consistency proof from the empty tree proves nothing"
        case .sizesOutOfOrder: "the old tree is larger than the new one"
        case .wrongProofLength: "the proof has the wrong number of hashes"
        case .rootMismatch: "the proof does not lead to the expected root"
        }
    }
}

/// The outcome of checking a proof.
public enum MerkleVerification: Sendable, Equatable {
    case verified
    case failed(MerkleProofFailure)

    public var isVerified: Bool { self == .verified }
}

/// Proof verification of RFC 9162 §2.1.3.2 and §2.1.4.2, stricter where the RFC is silent (see
/// `docs/audit.md`, "Edge cases"): every hash must be 32 bytes, and a consistency proof from the
/// empty tree is refused.
public enum MerkleVerifier {
    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves with head `root`.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Data, proof: [Data], root: Data) -> MerkleVerification {
        guard leafHash.count == Merkle.hashSize, root.count == Merkle.hashSize, proof.allSatisfy({ $0.count == Merkle.hashSize }) else { return .failed(.malformedHash) }
        guard index < size else { return .failed(.indexOutOfRange) }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return .failed(.wrongProofLength) }
            if fn & 1 == 1 || fn == sn {
                r = Merkle.nodeHash(p, r)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                r = Merkle.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { return .failed(.wrongProofLength) }
        return r == root ? .verified : .failed(.rootMismatch)
    }

    /// Checks that the tree of `oldSize` leaves with head `oldRoot` is a prefix of the tree of
    /// `newSize` leaves with head `newRoot`.
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: Data, newRoot: Data, proof: [Data]) -> MerkleVerification {
        guard oldRoot.count == Merkle.hashSize, newRoot.count == Merkle.hashSize, proof.allSatisfy({ $0.count == Merkle.hashSize }) else { return .failed(.malformedHash) }
        guard oldSize <= newSize else { return .failed(.sizesOutOfOrder) }
        guard oldSize > 0 else { return .failed(.emptyOldTree) }
        if oldSize == newSize {
            guard proof.isEmpty else { return .failed(.wrongProofLength) }
            return oldRoot == newRoot ? .verified : .failed(.rootMismatch)
        }
        guard !proof.isEmpty else { return .failed(.wrongProofLength) }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return .failed(.wrongProofLength) }
            if fn & 1 == 1 || fn == sn {
                fr = Merkle.nodeHash(c, fr)
                sr = Merkle.nodeHash(c, sr)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                sr = Merkle.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { return .failed(.wrongProofLength) }
        return fr == oldRoot && sr == newRoot ? .verified : .failed(.rootMismatch)
    }

    // MARK: Subtree proofs

    /// Whether `start..<end` is a subtree in the sense of the Merkle Tree Certificates draft
    /// (draft-ietf-plants-merkle-tree-certs §4.1): non-empty, and `start` a multiple of the
    /// smallest power of two not below its length. Such a range hashes like a tree of its own.
    public static func isSubtree(start: UInt64, end: UInt64) -> Bool {
        guard start < end else { return false }
        let length = end - start
        let ceiling: UInt64 = length == 1 ? 1 : 1 << (64 - (length - 1).leadingZeroBitCount)
        return length <= 1 << 62 && start % ceiling == 0
    }

    /// Checks that `leafHash` is leaf `index` of the subtree `start..<end` whose hash is `root`.
    public static func verifySubtreeInclusion(index: UInt64, start: UInt64, end: UInt64, leafHash: Data, proof: [Data], root: Data) -> MerkleVerification {
        guard isSubtree(start: start, end: end) else { return .failed(.indexOutOfRange) }
        guard index >= start else { return .failed(.indexOutOfRange) }
        return verifyInclusion(index: index - start, size: end - start, leafHash: leafHash, proof: proof, root: root)
    }

    /// Checks that the subtree `start..<end` with hash `subtreeRoot` is part of the tree of `size`
    /// leaves with head `root`.
    ///
    /// The proof is the hashes of the ranges that the generalisation of RFC 9162's `SUBPROOF` to
    /// subtrees names (``subtreeConsistencyRanges(start:end:size:)``); the verifier recomputes both
    /// heads from them, splitting ranges as RFC 9162 §2.1.1 does.
    public static func verifySubtreeConsistency(start: UInt64, end: UInt64, size: UInt64, subtreeRoot: Data, root: Data, proof: [Data]) -> MerkleVerification {
        guard subtreeRoot.count == Merkle.hashSize, root.count == Merkle.hashSize, proof.allSatisfy({ $0.count == Merkle.hashSize }) else { return .failed(.malformedHash) }
        guard isSubtree(start: start, end: end), end <= size else { return .failed(.sizesOutOfOrder) }
        let (ranges, subtreeKnown) = subtreeConsistencyRanges(start: start, end: end, size: size)
        guard ranges.count == proof.count else { return .failed(.wrongProofLength) }
        var known = Dictionary(zip(ranges, proof), uniquingKeysWith: { first, _ in first })
        if subtreeKnown { known[start..<end] = subtreeRoot }
        func hash(_ range: Range<UInt64>) -> Data? {
            if let hash = known[range] { return hash }
            guard range.count > 1 else { return nil }
            let middle = range.lowerBound + Merkle.split(UInt64(range.count))  // checked: a count
            guard let left = hash(range.lowerBound..<middle), let right = hash(middle..<range.upperBound) else { return nil }
            return Merkle.nodeHash(left, right)
        }
        guard let computedSubtree = hash(start..<end), let computedRoot = hash(0..<size) else { return .failed(.wrongProofLength) }
        return computedSubtree == subtreeRoot && computedRoot == root ? .verified : .failed(.rootMismatch)
    }

    /// The ranges of a subtree consistency proof, in order, and whether the verifier holds the
    /// subtree's own hash as one of the pieces (RFC 9162's flag `b`).
    public static func subtreeConsistencyRanges(start: UInt64, end: UInt64, size: UInt64) -> (ranges: [Range<UInt64>], subtreeKnown: Bool) {
        var ranges: [Range<UInt64>] = []
        var subtreeKnown = false
        func walk(_ range: Range<UInt64>, complete: Bool) {
            if range == start..<end {
                if complete { subtreeKnown = true } else { ranges.append(range) }
                return
            }
            if range.lowerBound < start || range.count <= 1 { return }
            let middle = range.lowerBound + Merkle.split(UInt64(range.count))  // checked: a count
            if end <= middle {
                walk(range.lowerBound..<middle, complete: complete)
                ranges.append(middle..<range.upperBound)
            } else if start >= middle {
                walk(middle..<range.upperBound, complete: complete)
                ranges.append(range.lowerBound..<middle)
            } else {
                // The subtree starts here and reaches past the split: its right part is an old
                // tree's edge, as in RFC 9162's SUBPROOF with m > k.
                walkEdge(middle..<range.upperBound)
                ranges.append(range.lowerBound..<middle)
            }
        }
        func walkEdge(_ range: Range<UInt64>) {
            if range.upperBound == end {
                ranges.append(range)
                return
            }
            let middle = range.lowerBound + Merkle.split(UInt64(range.count))  // checked: a count
            if end <= middle {
                walkEdge(range.lowerBound..<middle)
                ranges.append(middle..<range.upperBound)
            } else {
                walkEdge(middle..<range.upperBound)
                ranges.append(range.lowerBound..<middle)
            }
        }
        if start == 0 && end == size { return ([], true) }
        walk(0..<size, complete: true)
        return (ranges, subtreeKnown)
    }
}
