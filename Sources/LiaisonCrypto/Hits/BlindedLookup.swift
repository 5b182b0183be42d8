public import Crypto
public import CryptoExtras
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Blinded hit/no-hit lookups of exact identifiers with the VOPRF of RFC 9497 (P-384, SHA-384).
///
/// The queried node holds a VOPRF key k. For each of its identifiers x it computes the PRF output
/// y = F(k, x) and stores a *tag* (the first 8 bytes of SHA-256("liaison-hit-tag/1" ‖ y)) and its
/// reference sealed with AES-256-GCM under SHA-256("liaison-hit-seal/1" ‖ y). The requester
/// blinds its identifier, the queried node evaluates the blinded element without seeing x and
/// proves (DLEQ) that it used the key it published; the requester unblinds to y, asks for the
/// bucket of tags that share y's first `bits` bits, and opens the entry whose tag equals y's — a
/// hit — or finds none. The queried node never sees x or y; see `docs/hits.md` for the threat model.
public enum BlindedLookup {
    /// The tag of a PRF output.
    public static func tag(_ output: Data) -> UInt64 {
        let digest = SHA256.hash(data: Data("liaison-hit-tag/1".utf8) + output)
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }  // checked: a byte widened
    }

    private static func sealingKey(_ output: Data) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: Data("liaison-hit-seal/1".utf8) + output))
    }

    /// The bucket a tag falls in: its first `bits` bits.
    public static func bucket(of tag: UInt64, bits: Int) -> UInt64 { bits == 0 ? 0 : tag >> UInt64(64 - bits) }  // checked: bits is 1...64: a partner's is checked to be 0...20 on receipt, this node's comes from bucketBits(forEntries:)

    /// How many leading tag bits name a bucket, so that each bucket holds about 1,024 entries
    /// (at most 20 bits): the queried node learns no more than that a query fell in one of
    /// 2^bits buckets.
    public static func bucketBits(forEntries count: Int) -> Int {
        var bits = 0
        while bits < 20 && count >> (bits + 1) >= 1024 { bits += 1 }
        return bits
    }

    /// One entry of a queried node's table.
    public struct Entry: Sendable, Hashable, Codable {
        public var tag: UInt64
        /// AES-256-GCM combined form (nonce ‖ ciphertext ‖ tag) of the reference.
        public var sealed: Data

        public init(tag: UInt64, sealed: Data) {
            self.tag = tag
            self.sealed = sealed
        }
    }

    /// The queried node's entries for its identifiers, sorted by tag.
    /// - Parameter keys: each canonical identifier with the reference it belongs to.
    public static func table(keys: [(key: String, reference: String)], key: P384._VOPRF.PrivateKey) throws -> [Entry] {
        try keys.map { item in
            let output = try key.evaluate(Data(item.key.utf8))
            let sealed = try AES.GCM.seal(Data(item.reference.utf8), using: sealingKey(output)).combined!
            return Entry(tag: tag(output), sealed: sealed)
        }.sorted { $0.tag < $1.tag }
    }

    /// The entries of one bucket of a sorted table.
    public static func entries(in bucket: UInt64, bits: Int, of table: [Entry]) -> ArraySlice<Entry> {
        let low = bits == 0 ? 0 : bucket << UInt64(64 - bits)  // checked: bits is 1...64 here (this node's table)
        let high = bits == 0 ? UInt64.max : low | (UInt64.max >> UInt64(bits))  // checked: bits is 0...64 (this node's table)
        func firstIndex(atLeast value: UInt64) -> Int {
            var lower = 0, upper = table.count
            while lower < upper {
                let mid = (lower + upper) / 2
                if table[mid].tag < value { lower = mid + 1 } else { upper = mid }
            }
            return lower
        }
        let start = firstIndex(atLeast: low)
        var end = start
        while end < table.count, table[end].tag <= high { end += 1 }
        return table[start..<end]
    }

    /// The reference of the entry that `output` opens, if any.
    public static func open(_ entries: some Sequence<Entry>, with output: Data) -> String? {
        let wanted = tag(output)
        for entry in entries where entry.tag == wanted {
            if let box = try? AES.GCM.SealedBox(combined: entry.sealed), let plain = try? AES.GCM.open(box, using: sealingKey(output)) {
                return String(decoding: plain, as: UTF8.self)
            }
        }
        return nil
    }

    /// The requester's side: blinds identifiers for a partner's public key.
    public struct Requester {
        public let publicKey: P384._VOPRF.PublicKey
        private var inputs: [P384._VOPRF.BlindedInput] = []

        public init(publicKey: Data) throws(LiaisonError) {
            do { self.publicKey = try P384._VOPRF.PublicKey(rawRepresentation: publicKey) } catch {
                throw LiaisonError(.invalidInput, "the partner's VOPRF public key does not parse")
            }
        }

        /// Blinds `identifier`; returns the blinded element to send (base64 of its RFC 9497 encoding).
        public mutating func blind(_ identifier: String) throws -> String {
            let input = try publicKey.blind(Data(identifier.utf8))
            inputs.append(input)
            return input.blindedElement.oprfRepresentation.base64EncodedString()
        }

        /// Verifies the partner's proofs and unblinds, in the order the identifiers were blinded.
        /// - Throws: ``LiaisonError`` `.unauthenticated` when a proof fails (the partner did not use its published key).
        public func finalize(_ evaluations: [String]) throws(LiaisonError) -> [Data] {
            guard evaluations.count == inputs.count else {
                throw LiaisonError(.invalidInput, "the partner evaluated \(evaluations.count) elements, not \(inputs.count)")
            }
            var outputs: [Data] = []
            for (input, text) in zip(inputs, evaluations) {
                guard let raw = Data(base64Encoded: text), let evaluation = try? P384._VOPRF.BlindEvaluation(rawRepresentation: raw),
                      let output = try? publicKey.finalize(input, using: evaluation) else {
                    throw LiaisonError(.unauthenticated, "the partner's blinded evaluation does not verify against its published VOPRF key")
                }
                outputs.append(output)
            }
            return outputs
        }
    }

    /// The queried node's side: evaluates blinded elements with a proof.
    /// - Throws: ``LiaisonError`` `.invalidInput` for an element that is not a P-384 point.
    public static func evaluate(_ elements: [String], key: P384._VOPRF.PrivateKey) throws(LiaisonError) -> [String] {
        var evaluations: [String] = []
        for (index, text) in elements.enumerated() {
            guard let raw = Data(base64Encoded: text), let element = try? P384._VOPRF.BlindedElement(oprfRepresentation: raw),
                  let evaluation = try? key.evaluate(element) else {
                throw LiaisonError(.invalidInput, "blinded[\(index)]: not a blinded P-384 element (RFC 9497)")
            }
            evaluations.append(evaluation.rawRepresentation.base64EncodedString())
        }
        return evaluations
    }
}
