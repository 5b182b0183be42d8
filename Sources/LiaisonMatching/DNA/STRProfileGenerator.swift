/// Draws synthetic, unrelated STR profiles from allele frequencies (Hardy–Weinberg, independent
/// loci), for benchmarks, tests and the demo's reference data. Deterministic for a seed.
public struct STRProfileGenerator: Sendable {
    private let loci: [STRLocus]
    /// Per locus: the alleles and their cumulative frequencies, normalised to 1.
    private let tables: [(alleles: [Allele], cumulative: [Double])]
    private var random: SplitMix64

    /// - Parameters:
    ///   - loci: the loci to type; by default the CODIS 20 core loci.
    public init(frequencies: AlleleFrequencies = .nist1036, loci: [STRLocus]? = nil, seed: UInt64) {
        let chosen = loci ?? STRLocus.codis20.compactMap(STRLocus.named).sorted()
        self.loci = chosen.filter { !frequencies.alleles(at: $0).isEmpty }
        tables = self.loci.map { locus in
            let alleles = frequencies.alleles(at: locus)
            let total = alleles.reduce(0) { $0 + $1.frequency }
            var running = 0.0
            return (alleles.map(\.allele), alleles.map { running += $0.frequency / total; return running })
        }
        random = SplitMix64(seed: seed)
    }

    /// A profile typed at every locus.
    public mutating func next(reference: String) -> STRProfile {
        var genotypes: [STRLocus: Genotype] = [:]
        for (index, locus) in loci.enumerated() {
            genotypes[locus] = Genotype(draw(index), draw(index))
        }
        return STRProfile(reference: reference, loci: genotypes)
    }

    private mutating func draw(_ index: Int) -> Allele {
        let (alleles, cumulative) = tables[index]
        let target = random.nextDouble()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < target { low = mid + 1 } else { high = mid }
        }
        return alleles[low]
    }

    /// A profile of a national database's realistic mix: three in four typed at every locus;
    /// one in five a partial profile of a degraded stain, typed at 6 to 12 loci — the loci with
    /// the shortest amplicons, which degradation spares, with now and then one of them dropped
    /// out and a longer one typed instead —; one in twenty with a wildcard at one locus or a
    /// microvariant (x.3) in place of the allele above it.
    public mutating func nextOfMix(reference: String) -> STRProfile {
        var profile = next(reference: reference)
        let kind = random.next(below: 20)
        if kind < 4 {
            let order = STRLocus.shortestAmpliconsFirst.filter { name in loci.contains { $0.name == name } }
            let typed = 6 + random.next(below: 7)
            var kept = Array(order.prefix(typed))
            if random.next(below: 10) < 3, typed < order.count {
                kept[random.next(below: kept.count)] = order[typed + random.next(below: order.count - typed)]
            }
            profile.loci = profile.loci.filter { kept.contains($0.key.name) }
        } else if kind == 4 {
            let locus = loci[random.next(below: loci.count)]
            guard let genotype = profile.loci[locus] else { return profile }
            if random.next(below: 2) == 0 {
                profile.loci[locus] = Genotype(genotype.first, .wildcard)
            } else if case .value(let tenths) = genotype.second, tenths >= 20, tenths % 10 == 0 {
                profile.loci[locus] = Genotype(genotype.first, .value(tenths - 7))
            }
        }
        return profile
    }

    /// A uniform integer in `0..<bound`, for callers that perturb generated profiles.
    public mutating func nextInt(below bound: Int) -> Int { random.next(below: bound) }
}
