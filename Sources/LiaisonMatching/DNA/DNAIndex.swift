public import LiaisonCore
import Dispatch

/// An in-memory index of STR profiles that answers Prüm comparisons without scanning.
///
/// Profiles are stored row by row, one 16-bit genotype code per locus (two 8-bit allele codes,
/// 0 for a wildcard, `0xFFFF` for an untyped locus), so that checking a candidate reads one or
/// two cache lines. Candidates come from *pair postings* inside *locus groups*: rows are grouped
/// by the loci at which they are fully designated (a complete CODIS profile, a kit's smaller
/// set, a degraded stain typed at its short loci, a profile with a wildcard at one locus each
/// form a group of their own), and each group splits its loci into disjoint pairs and, for each
/// pair, groups its rows by the two genotypes. A profile that matches with at most k differing
/// alleles differs at no more than k loci, so it agrees with the query on every pair but at most
/// k: looking up k + 1 pairs of its group at which the query is fully designated finds every
/// match. A group whose pairs the query covers fewer than k + 1 times is checked row by row.
/// Loci are paired in the order of their amplicon length, so that a degraded stain covers whole
/// pairs. Rows whose set of designated loci too few rows share are grouped instead by the fixed
/// pairs (the loci paired in that order) at which they are fully designated. Results equal ``linearScan(_:)``
/// exactly (a property test holds them to it).
public struct DNAIndex: Sendable {
    public let rules: DNAMatchRules
    /// The loci that have columns, sorted.
    public let loci: [STRLocus]
    private let column: [STRLocus: Int]
    /// Per column, the allele each code stands for (index 0, the wildcard, unused).
    let alleleTable: [[Allele]]
    let references: [String]
    let rows: [UInt16]
    private let groups: [LocusGroup]
    /// Per column, how many stored alleles carry each code: the query's lookups go to the pairs
    /// whose genotypes are rarest.
    private let alleleCounts: [[UInt32]]

    /// Rows that share their designated loci form a group of their own from this many on, and
    /// from one in a thousand of the rows: each group costs every query a few lookups, so a
    /// locus set few rows share is better served by the fixed pairs.
    static func minimumGroupRows(of count: Int) -> Int { max(256, count / 1000) }

    static let untyped: UInt16 = 0xFFFF

    /// Profiles indexed.
    public var count: Int { references.count }

    /// Approximate bytes held by the index (rows, postings, references).
    public var approximateBytes: Int {
        rows.count * 2 + groups.reduce(0) { $0 + $1.bytes } + references.reduce(0) { $0 + max(16, $1.utf8.count + 16) }
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
        var counts = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: compactWidth)
        // Rows by the columns at which they are fully designated (the first 64 columns; further
        // ones are compared, never looked up).
        var byMask: [UInt64: [UInt32]] = [:]
        compact.withUnsafeBufferPointer { rows in
            for row in 0..<builder.references.count {
                var mask: UInt64 = 0
                for slot in 0..<compactWidth {
                    let code = rows[row * compactWidth + slot]
                    guard code != Self.untyped else { continue }
                    counts[slot][Int(code >> 8)] &+= 1
                    counts[slot][Int(code & 0xFF)] &+= 1
                    if code >> 8 != 0, slot < 64 { mask |= 1 << UInt64(slot) }
                }
                byMask[mask, default: []].append(UInt32(row))  // checked: row counts stay below 2^32 (the builder's references)
            }
        }
        alleleCounts = counts
        // Pairs are formed in the order of amplicon length (other loci after), so that a
        // degraded stain, typed at the short loci, covers whole pairs.
        let rank = Dictionary(uniqueKeysWithValues: STRLocus.shortestAmpliconsFirst.enumerated().map { ($1, $0) })
        let ranks = loci.prefix(64).map { rank[$0.name] ?? Int.max }
        let order = ranks.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }
        let fixedPairs = stride(from: 0, to: order.count - 1, by: 2).map { (order[$0], order[$0 + 1]) }
        var groups: [LocusGroup] = []
        var scattered: [UInt64: [UInt32]] = [:]
        for (mask, members) in byMask.sorted(by: { $0.key < $1.key }) {
            guard members.count >= Self.minimumGroupRows(of: builder.references.count) else {
                // Grouped instead by the fixed pairs designated at both loci.
                var pairs: UInt64 = 0
                for (number, pair) in fixedPairs.enumerated() where mask >> UInt64(pair.0) & 1 == 1 && mask >> UInt64(pair.1) & 1 == 1 {
                    pairs |= 1 << UInt64(number)
                }
                scattered[pairs, default: []].append(contentsOf: members)
                continue
            }
            let columns = order.filter { mask >> UInt64($0) & 1 == 1 }
            let pairs = stride(from: 0, to: columns.count - 1, by: 2).map { (columns[$0], columns[$0 + 1]) }
            groups.append(LocusGroup(rows: members, pairs: pairs, codes: compact, width: compactWidth))
        }
        for (mask, members) in scattered.sorted(by: { $0.key < $1.key }) {
            let pairs = fixedPairs.indices.filter { mask >> UInt64($0) & 1 == 1 }.map { fixedPairs[$0] }
            groups.append(LocusGroup(rows: members.sorted(), pairs: pairs, codes: compact, width: compactWidth))
        }
        self.groups = groups
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
    /// - Returns: the matches in storage order, and whether the index was used (false: every
    ///   group was checked row by row).
    public func search(_ query: STRProfile) -> (matches: [Match], indexed: Bool) {
        let encoded = encode(query)
        let (unique, indexed, _) = candidates(for: encoded)
        var matches: [Match] = []
        check(unique.lazy.map { Int($0) }, encoded, into: &matches)
        return (matches, indexed)
    }

    /// What a search of `query` reads: the groups, the rows checked one by one because the
    /// query covers too few of their group's pairs, and the candidates checked in all.
    public func plan(_ query: STRProfile) -> (groups: Int, rowsChecked: Int, candidates: Int) {
        let (unique, _, scanned) = candidates(for: encode(query))
        return (groups.count, scanned, unique.count)
    }

    private func candidates(for encoded: EncodedQuery) -> (ids: [UInt32], indexed: Bool, scanned: Int) {
        let needed = rules.maximumMismatchedAlleles + 1
        // How common the query's genotype is at each column, to look up the rarest pairs.
        let commonness: [Double] = loci.indices.map { slot in
            guard encoded.designated[slot] else { return .infinity }
            let counts = alleleCounts[slot]
            let total = Double(max(1, counts.reduce(0) { $0 + Int($1) }))
            let first = Double(encoded.firstCodes[slot].reduce(0) { $0 + Int(counts[Int($1)]) }) / total
            let second = Double(encoded.secondCodes[slot].reduce(0) { $0 + Int(counts[Int($1)]) }) / total
            return first * second
        }
        var designatedMask: UInt64 = 0
        for slot in loci.indices.prefix(64) where encoded.designated[slot] { designatedMask |= 1 << UInt64(slot) }
        var keys: [Int: [UInt32]] = [:]
        var candidates: [UInt32] = []
        var indexed = false
        var scanned = 0
        // Reused from group to group: the chosen pairs (cheapest first) and their id lists.
        var chosen: [(pair: Int, cost: Double)] = []
        chosen.reserveCapacity(needed + 2)
        var lists: [ArraySlice<UInt32>] = []
        lists.reserveCapacity(needed + 1)
        for group in groups {
            // The cheapest `needed + 1` pairs the query is fully designated at, and how many there are.
            chosen.removeAll(keepingCapacity: true)
            var usable = 0
            for (pair, mask) in group.pairMasks.enumerated() where mask & designatedMask == mask {
                usable += 1
                let postings = group.postings[pair]
                let cost = commonness[postings.first] * commonness[postings.second]
                var at = chosen.count
                while at > 0 && chosen[at - 1].cost > cost { at -= 1 }
                if at <= needed {
                    chosen.insert((pair, cost), at: at)
                    if chosen.count > needed + 1 { chosen.removeLast() }
                }
            }
            guard usable >= needed else {
                candidates.append(contentsOf: group.rows)
                scanned += group.rows.count
                continue
            }
            indexed = true
            // With one pair more than needed, a match agrees on all of them but k, so it is in
            // two of the lists at least: their overlap is far smaller than their union.
            lists.removeAll(keepingCapacity: true)
            for choice in chosen {
                let postings = group.postings[choice.pair]
                let key = postings.first << 8 | postings.second
                if keys[key] == nil { keys[key] = PairPostings.keys(postings.first, postings.second, encoded.firstCodes, encoded.secondCodes) }
                lists.append(postings.rows(keys[key] ?? []))
            }
            if chosen.count == needed {
                for list in lists { candidates.append(contentsOf: list) }
            } else {
                Self.inAtLeast(chosen.count - needed + 1, of: lists, into: &candidates)
            }
        }
        candidates.sort()
        var unique = candidates
        unique.removeAll(keepingCapacity: true)
        for candidate in candidates where unique.last != candidate { unique.append(candidate) }
        return (unique, indexed, scanned)
    }
}

extension DNAIndex {
    /// Appends the ids found in at least `minimum` of `lists` (each ascending, without repeats),
    /// ascending. Such an id is in one of the `lists.count - minimum + 1` shortest lists at
    /// least, so only those are walked; the longer ones are searched, galloping forward from
    /// the last place found, so a long list costs a few probes per id, not its length.
    static func inAtLeast(_ minimum: Int, of lists: [ArraySlice<UInt32>], into out: inout [UInt32]) {
        let order = lists.indices.sorted { lists[$0].count < lists[$1].count }
        let walked = order.prefix(max(1, lists.count - minimum + 1)).map { lists[$0] }
        let searched = order.dropFirst(walked.count).map { lists[$0] }
        var heads = walked.map(\.startIndex)
        var cursors = searched.map(\.startIndex)
        while true {
            var smallest = UInt32.max
            var live = false
            for (list, head) in zip(walked, heads) where head < list.endIndex {
                live = true
                smallest = min(smallest, list[head])
            }
            guard live else { return }
            var count = 0
            for index in walked.indices where heads[index] < walked[index].endIndex && walked[index][heads[index]] == smallest {
                count += 1
                heads[index] += 1
            }
            for index in searched.indices where count < minimum {
                let list = searched[index]
                // Gallop: double the step until past `smallest`, then halve back.
                var low = cursors[index], step = 1
                while low + step < list.endIndex && list[low + step] < smallest { low += step; step *= 2 }
                var high = min(low + step, list.endIndex)
                while low < high {
                    let mid = (low + high) / 2
                    if list[mid] < smallest { low = mid + 1 } else { high = mid }
                }
                cursors[index] = low
                if low < list.endIndex && list[low] == smallest { count += 1 }
            }
            if count >= minimum { out.append(smallest) }
        }
    }
}

/// Rows fully designated at the same loci, with postings for disjoint pairs of those loci.
private struct LocusGroup: Sendable {
    /// `transform` of 0..<count, run on all cores; in order.
    static func concurrentMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(transform) }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: count) { index in slots[index] = transform(index) }
        return results.compactMap { $0 }
    }

    /// The rows, ascending.
    let rows: [UInt32]
    let postings: [PairPostings]
    /// Per pair, its two columns as bits (columns below 64; pairs are formed only there).
    let pairMasks: [UInt64]

    var bytes: Int { rows.count * 4 + postings.reduce(0) { $0 + $1.bytes } }

    init(rows: [UInt32], pairs: [(Int, Int)], codes: [UInt16], width: Int) {
        self.rows = rows
        // Each pair's postings sort their own entries: built side by side, one per core.
        postings = Self.concurrentMap(pairs.count) { PairPostings(first: pairs[$0].0, second: pairs[$0].1, rows: rows, codes: codes, width: width) }
        pairMasks = pairs.map { 1 << UInt64($0.0) | 1 << UInt64($0.1) }
    }
}

/// For one pair of columns, the rows of a group (fully designated at both) by their two
/// genotype codes.
private struct PairPostings: Sendable {
    let first: Int
    let second: Int
    /// Sorted distinct keys `genotype(first) << 16 | genotype(second)`.
    let keys: [UInt32]
    /// `ids[starts[i]..<starts[i + 1]]` hold the rows of `keys[i]`.
    let starts: [UInt32]
    let ids: [UInt32]

    var bytes: Int { keys.count * 8 + ids.count * 4 }

    init(first: Int, second: Int, rows: [UInt32], codes: [UInt16], width: Int) {
        self.first = first
        self.second = second
        var entries: [UInt64] = []
        entries.reserveCapacity(rows.count)
        for row in rows {
            let a = codes[Int(row) * width + first], b = codes[Int(row) * width + second]
            entries.append(UInt64(UInt32(a) << 16 | UInt32(b)) << 32 | UInt64(row))
        }
        entries.sort()
        var keys: [UInt32] = []
        var starts: [UInt32] = []
        var ids = [UInt32](repeating: 0, count: entries.count)
        for (position, entry) in entries.enumerated() {
            let key = UInt32(entry >> 32)  // checked: the key was shifted up from 32 bits
            if keys.last != key {
                keys.append(key)
                starts.append(UInt32(position))  // checked: positions stay below the row count, under 2^32
            }
            ids[position] = UInt32(truncatingIfNeeded: entry)
        }
        starts.append(UInt32(entries.count))  // checked: as above
        self.keys = keys
        self.starts = starts
        self.ids = ids
    }

    /// The keys a fully designated query genotype pair can match: every genotype whose two
    /// alleles are compatible with the query's two (in either order), at both columns.
    static func keys(_ first: Int, _ second: Int, _ firstCodes: [[UInt8]], _ secondCodes: [[UInt8]]) -> [UInt32] {
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

    func collect(_ keys: [UInt32], into candidates: inout [UInt32]) {
        for key in keys { if let range = range(of: key) { candidates.append(contentsOf: ids[range]) } }
    }

    /// The rows of `keys`, ascending: the postings themselves for one key (no copy), merged for several.
    func rows(_ keys: [UInt32]) -> ArraySlice<UInt32> {
        let runs = keys.compactMap { range(of: $0).map { ids[$0] } }
        guard runs.count > 1 else { return runs.first ?? [] }
        // Each key's rows are ascending: merged two at a time, in linear time.
        var merged = Array(runs[0])
        for run in runs.dropFirst() {
            var next: [UInt32] = []
            next.reserveCapacity(merged.count + run.count)
            var i = 0, j = run.startIndex
            while i < merged.count && j < run.endIndex {
                if merged[i] < run[j] { next.append(merged[i]); i += 1 } else { next.append(run[j]); j += 1 }
            }
            next.append(contentsOf: merged[i...])
            next.append(contentsOf: run[j...])
            merged = next
        }
        return merged[...]
    }
}
