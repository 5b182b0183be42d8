public import LiaisonCore

/// An in-memory index of STR profiles that answers Prüm comparisons without scanning.
///
/// Profiles are stored row by row, one 16-bit genotype code per locus (two 8-bit allele codes,
/// 0 for a wildcard, `0xFFFF` for an untyped locus), so that checking a candidate reads one or
/// two cache lines. Candidates come from *pair postings*: the loci are split into disjoint pairs
/// and, for each pair, the profiles fully designated at both loci are grouped by the two
/// genotypes. A profile that matches with at most k differing alleles differs at no more than k
/// loci, so it agrees with the query on every pair but at most k: looking up k + 1 pairs on which
/// the query is fully designated finds every match. Profiles with a wildcard or an untyped locus
/// in a pair sit in that pair's small *irregular* list and are always checked. Queries that cover
/// too few pairs fall back to a scan. Results equal ``linearScan(_:)`` exactly (a property test
/// holds them to it).
public struct DNAIndex: Sendable {
    public let rules: DNAMatchRules
    /// The loci that have columns, sorted.
    public let loci: [STRLocus]
    private let column: [STRLocus: Int]
    /// Per column, the allele each code stands for (index 0, the wildcard, unused).
    private let alleleTable: [[Allele]]
    private let references: [String]
    private let rows: [UInt16]
    private let pairs: [PairPostings]

    static let untyped: UInt16 = 0xFFFF

    /// Profiles indexed.
    public var count: Int { references.count }

    /// Approximate bytes held by the index (rows, postings, references).
    public var approximateBytes: Int {
        rows.count * 2 + pairs.reduce(0) { $0 + $1.bytes } + references.reduce(0) { $0 + max(16, $1.utf8.count + 16) }
    }

    /// Builds the index over `profiles`.
    /// - Throws: ``LiaisonError`` `.invalidInput` when a locus holds more than 254 distinct
    ///   alleles (real loci hold fewer than 100).
    public init(profiles: [STRProfile], rules: DNAMatchRules = DNAMatchRules()) throws(LiaisonError) {
        var builder = Builder(loci: Set(profiles.flatMap(\.loci.keys)), rules: rules)
        for profile in profiles { try builder.append(profile) }
        self = builder.build()
    }

    /// Builds an index one profile at a time, holding only the encoded rows (44 bytes a profile
    /// over the CODIS 20 loci), so that tens of millions of profiles fit.
    public struct Builder: Sendable {
        let rules: DNAMatchRules
        let loci: [STRLocus]
        let column: [STRLocus: Int]
        var alleleTable: [[Allele]]
        var alleleCode: [[Allele: UInt8]]
        var references: [String] = []
        var rows: [UInt16] = []

        /// - Parameter loci: the loci to index; others in a profile are not compared.
        public init(loci: some Sequence<STRLocus>, rules: DNAMatchRules = DNAMatchRules(), capacity: Int = 0) {
            self.rules = rules
            self.loci = Set(loci).sorted()
            column = Dictionary(uniqueKeysWithValues: self.loci.enumerated().map { ($1, $0) })
            alleleTable = Array(repeating: [.wildcard], count: self.loci.count)
            alleleCode = Array(repeating: [:], count: self.loci.count)
            references.reserveCapacity(capacity)
            rows.reserveCapacity(capacity * self.loci.count)
        }

        public mutating func append(_ profile: STRProfile) throws(LiaisonError) {
            let base = rows.count
            rows.append(contentsOf: repeatElement(DNAIndex.untyped, count: loci.count))
            for (locus, genotype) in profile.loci {
                guard let slot = column[locus] else { continue }
                let a = try code(genotype.first, slot), b = try code(genotype.second, slot)
                rows[base + slot] = UInt16(min(a, b)) << 8 | UInt16(max(a, b))
            }
            references.append(profile.reference)
        }

        private mutating func code(_ allele: Allele, _ slot: Int) throws(LiaisonError) -> UInt8 {
            if allele == .wildcard { return 0 }
            if let code = alleleCode[slot][allele] { return code }
            guard alleleTable[slot].count < 255 else {
                throw LiaisonError(.invalidInput, "\(loci[slot].name): more than 254 distinct alleles; the index cannot hold them")
            }
            let code = UInt8(alleleTable[slot].count)
            alleleTable[slot].append(allele)
            alleleCode[slot][allele] = code
            return code
        }

        public func build() -> DNAIndex { DNAIndex(self) }
    }

    private init(_ builder: Builder) {
        rules = builder.rules
        // Columns no profile types (a builder over the whole catalogue) are dropped, so that rows
        // hold only the loci in use.
        let width = builder.loci.count
        var used = [Bool](repeating: false, count: width)
        builder.rows.withUnsafeBufferPointer { rows in
            for (offset, code) in rows.enumerated() where code != Self.untyped { used[offset % width] = true }
        }
        let kept = used.indices.filter { used[$0] }
        loci = kept.map { builder.loci[$0] }
        column = Dictionary(uniqueKeysWithValues: loci.enumerated().map { ($1, $0) })
        alleleTable = kept.map { builder.alleleTable[$0] }
        references = builder.references
        var compact = builder.rows
        if kept.count < width {
            compact = [UInt16](repeating: Self.untyped, count: builder.references.count * kept.count)
            for row in 0..<builder.references.count {
                for (slot, original) in kept.enumerated() { compact[row * kept.count + slot] = builder.rows[row * width + original] }
            }
        }
        rows = compact
        let compactWidth = kept.count
        pairs = stride(from: 0, to: compactWidth - 1, by: 2).map { PairPostings(first: $0, second: $0 + 1, rows: compact, width: compactWidth) }
    }

    /// A match found by a search: the row, how it matched, and the loci that agreed.
    public struct Match: Sendable {
        public let reference: String
        public let comparison: DNAComparison
        /// Compared loci that agreed (the mismatched locus of a near match left out).
        public let agreeingLoci: [STRLocus]
    }

    /// The query as allele-compatibility tables over each column's 256 codes.
    private struct EncodedQuery {
        /// Columns the query types, in order.
        var typed: [Int] = []
        /// `compatible[(slot * 2 + allele) * 256 + code]` is 1 when that query allele matches that code.
        var compatible: [UInt8]
        /// Per column: both query alleles designated.
        var designated: [Bool]
        var firstCodes: [[UInt8]]
        var secondCodes: [[UInt8]]
    }

    private func encode(_ query: STRProfile) -> EncodedQuery {
        let width = loci.count
        var encoded = EncodedQuery(compatible: [UInt8](repeating: 0, count: width * 512), designated: Array(repeating: false, count: width),
                                   firstCodes: Array(repeating: [], count: width), secondCodes: Array(repeating: [], count: width))
        for (locus, genotype) in query.loci {
            guard let slot = column[locus] else { continue }
            encoded.typed.append(slot)
            encoded.designated[slot] = genotype.isFullyDesignated
            for (code, allele) in alleleTable[slot].enumerated() {
                let first = rules.compatible(genotype.first, allele, at: locus), second = rules.compatible(genotype.second, allele, at: locus)
                encoded.compatible[slot * 512 + code] = first ? 1 : 0
                encoded.compatible[slot * 512 + 256 + code] = second ? 1 : 0
                if code > 0 && first { encoded.firstCodes[slot].append(UInt8(code)) }
                if code > 0 && second { encoded.secondCodes[slot].append(UInt8(code)) }
            }
        }
        encoded.typed.sort()
        return encoded
    }

    /// Compares the query with each of `rows`, appending the matches.
    private func check(_ candidates: some Sequence<Int>, _ query: EncodedQuery, into matches: inout [Match]) {
        let width = loci.count
        let maximum = rules.maximumMismatchedAlleles
        rows.withUnsafeBufferPointer { rows in
            query.compatible.withUnsafeBufferPointer { compatible in
                query.typed.withUnsafeBufferPointer { typed in
                    query.designated.withUnsafeBufferPointer { designatedColumns in
                        for row in candidates {
                            let base = row * width
                            var compared = 0, mismatches = 0, designated = 0, mismatchedSlot = -1
                            var agreeing: UInt64 = 0
                            for slot in typed {
                                let code = rows[base + slot]
                                if code == Self.untyped { continue }
                                compared += 1
                                let r1 = Int(code >> 8), r2 = Int(code & 0xFF)
                                let first = slot * 512, second = first + 256
                                let straight = 2 - Int(compatible[first + r1]) - Int(compatible[second + r2])
                                let miss = straight == 0 ? 0 : min(straight, 2 - Int(compatible[first + r2]) - Int(compatible[second + r1]))
                                if miss == 0 {
                                    agreeing |= 1 << UInt64(slot)
                                    if designatedColumns[slot] && r1 != 0 { designated += 1 }
                                } else {
                                    mismatches += miss
                                    mismatchedSlot = slot
                                    if mismatches > maximum { break }
                                }
                            }
                            guard mismatches <= maximum,
                                  let comparison = rules.classify(compared: compared, mismatches: mismatches, matchingDesignated: designated,
                                                                  mismatchedLocus: mismatchedSlot >= 0 ? loci[mismatchedSlot] : nil) else { continue }
                            matches.append(match(row: row, comparison, agreeing: agreeing))
                        }
                    }
                }
            }
        }
    }

    private func match(row: Int, _ comparison: DNAComparison, agreeing: UInt64) -> Match {
        Match(reference: references[row], comparison: comparison, agreeingLoci: loci.indices.filter { agreeing & (1 << UInt64($0)) != 0 }.map { loci[$0] })
    }

    /// Every stored profile that matches `query`, by scanning all rows (the baseline, and the
    /// fallback for queries that cover too few locus pairs).
    public func linearScan(_ query: STRProfile) -> [Match] {
        var matches: [Match] = []
        check(references.indices, encode(query), into: &matches)
        return matches
    }

    /// Every stored profile that matches `query` under ``rules``.
    /// - Returns: the matches in storage order, and whether the index was used (false: scanned).
    public func search(_ query: STRProfile) -> (matches: [Match], indexed: Bool) {
        let encoded = encode(query)
        let usable = pairs.filter { encoded.designated[$0.first] && encoded.designated[$0.second] }
        let needed = rules.maximumMismatchedAlleles + 1
        guard usable.count >= needed else { return (linearScan(query), false) }
        let costed = usable.map { pair in (pair, pair.keys(encoded.firstCodes, encoded.secondCodes)) }
            .map { ($0.0, $0.1, $0.0.cost(of: $0.1)) }
            .sorted { $0.2 < $1.2 }
            .prefix(needed)
        var candidates: [UInt32] = []
        candidates.reserveCapacity(costed.reduce(0) { $0 + $1.2 })
        for (pair, keys, _) in costed { pair.collect(keys, into: &candidates) }
        candidates.sort()
        var unique = candidates
        unique.removeAll(keepingCapacity: true)
        for candidate in candidates where unique.last != candidate { unique.append(candidate) }
        var matches: [Match] = []
        check(unique.lazy.map { Int($0) }, encoded, into: &matches)
        return (matches, true)
    }
}

/// For one pair of columns: the rows fully designated at both, grouped by the two genotype codes,
/// and the rows that are not (wildcard or untyped), which every lookup returns.
private struct PairPostings: Sendable {
    let first: Int
    let second: Int
    /// Sorted distinct keys `genotype(first) << 16 | genotype(second)`.
    let keys: [UInt32]
    /// `ids[starts[i]..<starts[i + 1]]` hold the rows of `keys[i]`.
    let starts: [UInt32]
    let ids: [UInt32]
    let irregular: [UInt32]

    var bytes: Int { keys.count * 8 + ids.count * 4 + irregular.count * 4 }

    init(first: Int, second: Int, rows: [UInt16], width: Int) {
        self.first = first
        self.second = second
        var entries: [UInt64] = []
        var irregular: [UInt32] = []
        entries.reserveCapacity(rows.count / max(width, 1))
        for row in 0..<(rows.count / max(width, 1)) {
            let a = rows[row * width + first], b = rows[row * width + second]
            if a == DNAIndex.untyped || b == DNAIndex.untyped || a >> 8 == 0 || b >> 8 == 0 {
                irregular.append(UInt32(row))
            } else {
                entries.append(UInt64(UInt32(a) << 16 | UInt32(b)) << 32 | UInt64(row))
            }
        }
        entries.sort()
        var keys: [UInt32] = []
        var starts: [UInt32] = []
        var ids = [UInt32](repeating: 0, count: entries.count)
        for (position, entry) in entries.enumerated() {
            let key = UInt32(entry >> 32)
            if keys.last != key {
                keys.append(key)
                starts.append(UInt32(position))
            }
            ids[position] = UInt32(truncatingIfNeeded: entry)
        }
        starts.append(UInt32(entries.count))
        self.keys = keys
        self.starts = starts
        self.ids = ids
        self.irregular = irregular
    }

    /// The keys a fully designated query genotype pair can match: every genotype whose two
    /// alleles are compatible with the query's two (in either order).
    func keys(_ firstCodes: [[UInt8]], _ secondCodes: [[UInt8]]) -> [UInt32] {
        func genotypes(_ slot: Int) -> Set<UInt16> {
            var result: Set<UInt16> = []
            for a in firstCodes[slot] { for b in secondCodes[slot] { result.insert(UInt16(min(a, b)) << 8 | UInt16(max(a, b))) } }
            return result
        }
        let left = genotypes(first), right = genotypes(second)
        return left.flatMap { a in right.map { b in UInt32(a) << 16 | UInt32(b) } }
    }

    private func range(of key: UInt32) -> Range<Int>? {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        guard low < keys.count, keys[low] == key else { return nil }
        return Int(starts[low])..<Int(starts[low + 1])
    }

    func cost(of keys: [UInt32]) -> Int { irregular.count + keys.reduce(0) { $0 + (range(of: $1)?.count ?? 0) } }

    func collect(_ keys: [UInt32], into candidates: inout [UInt32]) {
        candidates.append(contentsOf: irregular)
        for key in keys { if let range = range(of: key) { candidates.append(contentsOf: ids[range]) } }
    }
}
