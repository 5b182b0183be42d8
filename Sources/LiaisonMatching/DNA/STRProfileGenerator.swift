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

    /// A uniform integer in `0..<bound`, for callers that perturb generated profiles.
    public mutating func nextInt(below bound: Int) -> Int { random.next(below: bound) }
}
