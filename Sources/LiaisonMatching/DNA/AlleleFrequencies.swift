public import LiaisonCore

/// Allele frequencies per locus, for the random-match probability reported with every DNA hit.
///
/// Read from the long layout of `NIST1036_revised2017_allele_freqs_long.csv` (columns
/// `population,locus,allele,count,n_alleles,frequency`; one population chosen, `All` by default).
/// Alleles absent from the table, or rarer than the minimum, count at the minimum allele
/// frequency: 5/2N by default (NRC II, 1996, recommendation 4.1 discussion), so that a rare
/// allele never makes a chance match look impossible.
public struct AlleleFrequencies: Sendable {
    public let population: String
    /// Frequencies below this are raised to it.
    public let minimumFrequency: Double
    /// The co-ancestry correction θ for homozygotes (NRC II recommendation 4.1: p² + p(1−p)θ).
    public let theta: Double
    private let table: [STRLocus: [Allele: Double]]

    public init(population: String, minimumFrequency: Double, theta: Double = 0.01, table: [STRLocus: [Allele: Double]]) {
        self.population = population
        self.minimumFrequency = minimumFrequency
        self.theta = theta
        self.table = table
    }

    /// The loci the table covers.
    public var loci: [STRLocus] { table.keys.sorted() }

    /// The alleles of `locus` with their frequencies, commonest first.
    public func alleles(at locus: STRLocus) -> [(allele: Allele, frequency: Double)] {
        (table[locus] ?? [:]).map { ($0.key, $0.value) }.sorted { $0.frequency > $1.frequency || ($0.frequency == $1.frequency && $0.allele < $1.allele) }
    }

    /// Parses the long CSV layout.
    /// - Parameters:
    ///   - minimumFrequency: nil for 5/2N, N taken from the file's `n_alleles` (largest per population).
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the line, or when the population is absent.
    public static func parse(csv text: String, population: String = "All", minimumFrequency: Double? = nil, theta: Double = 0.01) throws(LiaisonError) -> AlleleFrequencies {
        let records = try CSVReader().records(text)
        guard let header = records.first?.fields.map({ $0.lowercased() }) else { throw LiaisonError(.invalidInput, "allele frequency file is empty") }
        func column(_ name: String) throws(LiaisonError) -> Int {
            guard let index = header.firstIndex(of: name) else { throw LiaisonError(.invalidInput, "line 1: allele frequency file has no '\(name)' column") }
            return index
        }
        let (populationColumn, locusColumn, alleleColumn, frequencyColumn) = (try column("population"), try column("locus"), try column("allele"), try column("frequency"))
        let alleleCountColumn = header.firstIndex(of: "n_alleles")
        var table: [STRLocus: [Allele: Double]] = [:]
        var largestSample = 0
        for record in records.dropFirst() {
            let fields = record.fields
            guard fields.count == header.count else { throw LiaisonError(.invalidInput, "line \(record.line): expected \(header.count) fields, found \(fields.count)") }
            guard fields[populationColumn] == population else { continue }
            guard let locus = STRLocus.named(fields[locusColumn]) else { throw LiaisonError(.invalidInput, "line \(record.line): unknown locus '\(fields[locusColumn])'") }
            let allele: Allele?
            do { allele = try Allele.parse(fields[alleleColumn]) } catch { throw LiaisonError(.invalidInput, "line \(record.line): \(error.message)") }
            guard let allele, allele != .wildcard, let frequency = Double(fields[frequencyColumn]), (0...1).contains(frequency) else {
                throw LiaisonError(.invalidInput, "line \(record.line): needs an allele and a frequency between 0 and 1")
            }
            table[locus, default: [:]][allele] = frequency
            if let alleleCountColumn, let sample = Int(fields[alleleCountColumn]) { largestSample = max(largestSample, sample) }  // checked: parses text: nil when not a number
        }
        guard !table.isEmpty else { throw LiaisonError(.invalidInput, "allele frequency file has no rows for population '\(population)'") }
        let floor = minimumFrequency ?? (largestSample > 0 ? 5 / Double(largestSample) : 0.001)
        return AlleleFrequencies(population: population, minimumFrequency: floor, theta: theta, table: table)
    }

    /// The frequency of `allele` at `locus`, at least the minimum.
    public func frequency(of allele: Allele, at locus: STRLocus) -> Double {
        max(minimumFrequency, table[locus]?[allele] ?? 0)
    }

    /// The probability that an unrelated person drawn from the population has a genotype that
    /// matches `genotype` at `locus`: 2pq for a heterozygote, p² + p(1−p)θ for a homozygote,
    /// 2p − p² (any genotype carrying p) for one designated allele and a wildcard.
    public func genotypeProbability(_ genotype: Genotype, at locus: STRLocus) -> Double {
        switch (genotype.first, genotype.second) {
        case (.wildcard, .wildcard): return 1
        case (let allele, .wildcard), (.wildcard, let allele):
            let p = frequency(of: allele, at: locus)
            return min(1, 2 * p - p * p)
        case (let a, let b) where a == b:
            let p = frequency(of: a, at: locus)
            return min(1, p * p + p * (1 - p) * theta)
        case (let a, let b):
            return min(1, 2 * frequency(of: a, at: locus) * frequency(of: b, at: locus))
        }
    }

    /// The random-match probability of `profile` over `loci`: the product of the genotype
    /// probabilities (the product rule, assuming independent loci).
    public func randomMatchProbability(of profile: STRProfile, over loci: some Sequence<STRLocus>) -> Double {
        var probability = 1.0
        for locus in loci {
            if let genotype = profile.loci[locus] { probability *= genotypeProbability(genotype, at: locus) }
        }
        return probability
    }
}
