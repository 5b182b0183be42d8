/// The Prüm comparison rules, each a setting because the thresholds are set by implementing acts
/// (Regulation (EU) 2024/982 Art. 9(3)) and differ between databases.
public struct DNAMatchRules: Sendable, Hashable, Codable {
    /// How a microvariant (an allele such as 9.3) matches.
    public enum MicrovariantRule: String, Sendable, Hashable, Codable {
        /// Only the same value.
        case exact
        /// At tetranucleotide loci, `x.3` also matches `x.2` and `x+1` (the neighbour rule
        /// `../shared/FACTS.md` reports as common practice); other loci match exactly.
        case neighbours
    }

    /// A profile is searchable, and a comparison counts, with at least this many loci typed in
    /// both profiles (2008/616/JHA Annex ch. 1 §1.1: six fully designated loci).
    public var minimumComparedLoci: Int = 6
    /// A near match differs in at most this many alleles (Prüm: exactly one).
    public var maximumMismatchedAlleles: Int = 1
    /// A near match needs at least this many fully designated loci that match.
    public var minimumMatchingLociForNearMatch: Int = 6
    public var microvariants: MicrovariantRule = .neighbours

    public init(minimumComparedLoci: Int = 6, maximumMismatchedAlleles: Int = 1, minimumMatchingLociForNearMatch: Int = 6,
                microvariants: MicrovariantRule = .neighbours) {
        self.minimumComparedLoci = minimumComparedLoci
        self.maximumMismatchedAlleles = maximumMismatchedAlleles
        self.minimumMatchingLociForNearMatch = minimumMatchingLociForNearMatch
        self.microvariants = microvariants
    }

    /// Whether two allele calls at `locus` match.
    public func compatible(_ a: Allele, _ b: Allele, at locus: STRLocus) -> Bool {
        guard case .value(let x) = a, case .value(let y) = b else { return true }
        if x == y { return true }
        guard microvariants == .neighbours, locus.repeatLength == 4 else { return false }
        return Self.neighbour(x, y) || Self.neighbour(y, x)
    }

    /// `microvariant` is x.3 and `other` is x.2 or x+1.
    private static func neighbour(_ microvariant: Int, _ other: Int) -> Bool {
        guard microvariant % 10 == 3 else { return false }
        let whole = microvariant / 10
        return other == whole * 10 + 2 || other == (whole + 1) * 10
    }

    /// How many alleles differ between two genotypes at `locus`, under the better of the two
    /// pairings: 0, 1 or 2.
    public func mismatchedAlleles(_ query: Genotype, _ reference: Genotype, at locus: STRLocus) -> Int {
        func miss(_ a: Allele, _ b: Allele) -> Int { compatible(a, b, at: locus) ? 0 : 1 }
        let straight = miss(query.first, reference.first) + miss(query.second, reference.second)
        guard straight > 0 else { return 0 }
        return min(straight, miss(query.first, reference.second) + miss(query.second, reference.first))
    }

    /// Checks that a profile may be searched or stored: at least ``minimumComparedLoci`` fully
    /// designated loci, and for a reference person at least 6 of the 7 original ESS loci
    /// (2008/616/JHA Annex ch. 1 §1.1).
    /// - Returns: nil when it may, otherwise the reason.
    public func searchabilityProblem(of profile: STRProfile, referencePerson: Bool = false) -> String? {
        let designated = profile.fullyDesignatedLoci
        if designated < minimumComparedLoci {
            return "only \(designated) fully designated loci; at least \(minimumComparedLoci) are needed"
        }
        if referencePerson {
            let ess = STRLocus.originalESS.compactMap(STRLocus.named).filter { profile.loci[$0]?.isFullyDesignated == true }.count
            if ess < 6 { return "a reference-person profile needs at least 6 of the 7 original ESS loci; it has \(ess)" }
        }
        return nil
    }

    /// Compares two profiles over the loci typed in both.
    /// - Returns: the match, or nil when they do not match under these rules.
    public func compare(_ query: STRProfile, _ reference: STRProfile) -> DNAComparison? {
        var compared = 0
        var mismatches = 0
        var matchingDesignated = 0
        var mismatchedLocus: STRLocus?
        for (locus, genotype) in query.loci {
            guard let other = reference.loci[locus] else { continue }
            compared += 1
            let miss = mismatchedAlleles(genotype, other, at: locus)
            if miss == 0 {
                if genotype.isFullyDesignated && other.isFullyDesignated { matchingDesignated += 1 }
            } else {
                mismatches += miss
                mismatchedLocus = locus
                if mismatches > maximumMismatchedAlleles { return nil }
            }
        }
        return classify(compared: compared, mismatches: mismatches, matchingDesignated: matchingDesignated, mismatchedLocus: mismatchedLocus)
    }

    func classify(compared: Int, mismatches: Int, matchingDesignated: Int, mismatchedLocus: STRLocus?) -> DNAComparison? {
        guard compared >= minimumComparedLoci, mismatches <= maximumMismatchedAlleles else { return nil }
        if mismatches == 0 { return DNAComparison(kind: .full, comparedLoci: compared, matchingDesignatedLoci: matchingDesignated, mismatchedAlleles: 0, mismatchedLocus: nil) }
        guard matchingDesignated >= minimumMatchingLociForNearMatch else { return nil }
        return DNAComparison(kind: .near, comparedLoci: compared, matchingDesignatedLoci: matchingDesignated, mismatchedAlleles: mismatches,
                             mismatchedLocus: mismatches == 1 ? mismatchedLocus : nil)
    }
}

/// How two profiles matched.
public struct DNAComparison: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Every compared allele agrees.
        case full
        /// All but ``DNAMatchRules/maximumMismatchedAlleles`` alleles agree.
        case near
    }

    public var kind: Kind
    /// Loci typed in both profiles.
    public var comparedLoci: Int
    /// Compared loci that match with both alleles designated on both sides.
    public var matchingDesignatedLoci: Int
    public var mismatchedAlleles: Int
    /// The locus where the single differing allele is, for a near match.
    public var mismatchedLocus: STRLocus?

    private enum CodingKeys: String, CodingKey { case kind, comparedLoci, matchingDesignatedLoci, mismatchedAlleles, mismatchedLocus }

    public init(kind: Kind, comparedLoci: Int, matchingDesignatedLoci: Int, mismatchedAlleles: Int, mismatchedLocus: STRLocus?) {
        self.kind = kind
        self.comparedLoci = comparedLoci
        self.matchingDesignatedLoci = matchingDesignatedLoci
        self.mismatchedAlleles = mismatchedAlleles
        self.mismatchedLocus = mismatchedLocus
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        comparedLoci = try container.decode(Int.self, forKey: .comparedLoci)
        matchingDesignatedLoci = try container.decode(Int.self, forKey: .matchingDesignatedLoci)
        mismatchedAlleles = try container.decode(Int.self, forKey: .mismatchedAlleles)
        mismatchedLocus = try container.decodeIfPresent(String.self, forKey: .mismatchedLocus).flatMap(STRLocus.named)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(comparedLoci, forKey: .comparedLoci)
        try container.encode(matchingDesignatedLoci, forKey: .matchingDesignatedLoci)
        try container.encode(mismatchedAlleles, forKey: .mismatchedAlleles)
        try container.encodeIfPresent(mismatchedLocus?.name, forKey: .mismatchedLocus)
    }
}
