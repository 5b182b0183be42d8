import Foundation
import LiaisonCore
@testable import LiaisonMatching
import LiaisonTestSupport
import Testing

private func profile(_ reference: String, _ loci: [String: String]) throws -> STRProfile {
    try STRProfile.make(reference: reference, alleles: loci.map { ($0.key, $0.value.split(separator: ",").map(String.init)) })
}

/// Twelve ESS loci with common alleles.
private let base: [String: String] = [
    "D3S1358": "15,16", "vWA": "17,18", "D8S1179": "13,14", "D21S11": "29,30", "D18S51": "14,15", "TH01": "6,9.3",
    "FGA": "21,22", "D1S1656": "12,15", "D2S441": "10,11", "D10S1248": "13,14", "D12S391": "18,19", "D22S1045": "15,16",
]

@Suite("DNA: allele designations and profiles (2008/616/JHA Annex ch. 1)")
struct AlleleTests {
    @Test("wildcards, microvariants and implausible values", arguments: [
        ("16", "16"), ("9.3", "9.3"), ("2.2", "2.2"), ("o", "*"), ("F", "*"), ("r", "*"), ("na", "*"), ("NR", "*"), ("un", "*"),
        ("0", "*"), ("1", "*"), ("99", "*"), ("*", "*"),
    ])
    func designations(text: String, expected: String) throws {
        #expect(try Allele.parse(text)?.description == expected)
    }

    @Test("implausible alleles are refused, long runs of digits without overflowing", arguments: ["61", "9.5", "9.33", "-3", "x", "1.5.2", "100", String(repeating: "9", count: 40), "99999999999999999999.1"])
    func implausible(text: String) {
        #expect(throws: LiaisonError.self) { try Allele.parse(text) }
    }

    @Test("three alleles keep the first and make the rest a wildcard; four are a mixture and refused; amelogenin is dropped")
    func triAllelic() throws {
        let tri = try STRProfile.make(reference: "X", alleles: [("vWA", ["17", "18", "19"]), ("AMEL", ["X", "Y"])])
        #expect(tri.loci[STRLocus.named("vWA")!] == Genotype(.value(170), .wildcard))
        #expect(tri.loci.count == 1)
        #expect(throws: LiaisonError(.invalidInput, "vWA: 4 alleles mean a mixed profile, which is not exchanged (at most two per locus)")) {
            try STRProfile.make(reference: "X", alleles: [("vWA", ["16", "17", "18", "19"])])
        }
        #expect(throws: LiaisonError(.invalidInput, "unknown locus 'D99S1'")) { try STRProfile.make(reference: "X", alleles: [("D99S1", ["1"])]) }
    }

    @Test("a searchable profile has 6 fully designated loci; a reference person 6 of the 7 original ESS loci")
    func searchability() throws {
        let rules = DNAMatchRules()
        let five = try profile("A", base.filter { ["D3S1358", "vWA", "D8S1179", "D21S11", "D18S51"].contains($0.key) })
        #expect(rules.searchabilityProblem(of: five) == "only 5 fully designated loci; at least 6 are needed")
        let newLoci = try profile("B", base.filter { !STRLocus.originalESS.contains($0.key) || $0.key == "FGA" })
        #expect(rules.searchabilityProblem(of: newLoci) == nil)
        #expect(rules.searchabilityProblem(of: newLoci, referencePerson: true) == "a reference-person profile needs at least 6 of the 7 original ESS loci; it has 1")
    }
}

@Suite("DNA: Prüm comparison rules")
struct DNARulesTests {
    let rules = DNAMatchRules()

    @Test("identical profiles match fully over the loci typed in both")
    func full() throws {
        let query = try profile("Q", base)
        var partial = base
        partial["FGA"] = nil
        partial["SE33"] = "20,21"
        let match = try #require(rules.compare(query, try profile("R", partial)))
        #expect(match.kind == .full)
        #expect(match.comparedLoci == 11)
    }

    @Test("one differing allele is a near match naming the locus; two is no match")
    func near() throws {
        var one = base
        one["D18S51"] = "14,16"
        let near = try #require(rules.compare(try profile("Q", base), try profile("R", one)))
        #expect(near.kind == .near)
        #expect(near.mismatchedLocus?.name == "D18S51")
        var two = one
        two["FGA"] = "21,23"
        #expect(rules.compare(try profile("Q", base), try profile("R", two)) == nil)
        var relaxed = rules
        relaxed.maximumMismatchedAlleles = 2
        #expect(relaxed.compare(try profile("Q", base), try profile("R", two))?.kind == .near)
    }

    @Test("a homozygote against a heterozygote sharing one allele differs in one allele")
    func homozygote() throws {
        var homozygous = base
        homozygous["vWA"] = "17"
        #expect(rules.compare(try profile("Q", base), try profile("R", homozygous))?.kind == .near)
    }

    @Test("fewer than 6 loci typed in both is no match, even if they agree")
    func tooFew() throws {
        let five = try profile("R", base.filter { ["D3S1358", "vWA", "D8S1179", "D21S11", "D18S51"].contains($0.key) })
        #expect(rules.compare(try profile("Q", base), five) == nil)
        var lenient = rules
        lenient.minimumComparedLoci = 5
        #expect(lenient.compare(try profile("Q", base), five)?.kind == .full)
    }

    @Test("a wildcard matches any allele, in either position")
    func wildcard() throws {
        var wild = base
        wild["D21S11"] = "o,30"
        let match = try #require(rules.compare(try profile("Q", base), try profile("R", wild)))
        #expect(match.kind == .full)
        #expect(match.matchingDesignatedLoci == 11)
    }

    @Test("microvariants: at tetranucleotide loci x.3 matches x.2 and x+1 under the neighbour rule, only itself under the exact rule")
    func microvariants() throws {
        var neighbour = base
        neighbour["TH01"] = "6,10"
        #expect(rules.compare(try profile("Q", base), try profile("R", neighbour))?.kind == .full)
        neighbour["TH01"] = "6,9.2"
        #expect(rules.compare(try profile("Q", base), try profile("R", neighbour))?.kind == .full)
        neighbour["TH01"] = "6,9"
        #expect(rules.compare(try profile("Q", base), try profile("R", neighbour))?.kind == .near)
        var exact = rules
        exact.microvariants = .exact
        neighbour["TH01"] = "6,10"
        #expect(exact.compare(try profile("Q", base), try profile("R", neighbour))?.kind == .near)
        // D22S1045 is a trinucleotide locus: no neighbour rule.
        var tri = base
        tri["D22S1045"] = "15.3,16"
        var triReference = base
        triReference["D22S1045"] = "16,16"
        #expect(rules.compare(try profile("Q", tri), try profile("R", triReference))?.kind == .near)
    }
}

@Suite("DNA: random-match probability")
struct RandomMatchProbabilityTests {
    @Test("the product rule: 2pq for heterozygotes, p² + p(1−p)θ for homozygotes, floored at 5/2N")
    func productRule() throws {
        let frequencies = AlleleFrequencies.nist1036
        let vWA = STRLocus.named("vWA")!, TH01 = STRLocus.named("TH01")!
        let p17 = frequencies.frequency(of: .value(170), at: vWA), p18 = frequencies.frequency(of: .value(180), at: vWA)
        let p6 = frequencies.frequency(of: .value(60), at: TH01)
        #expect(abs(p17 - 0.262066) < 1e-6)  // 543 of 2072 alleles in the NIST 1036 "All" sample
        let query = try profile("Q", ["vWA": "17,18", "TH01": "6"])
        let expected = 2 * p17 * p18 * (p6 * p6 + p6 * (1 - p6) * 0.01)
        #expect(abs(frequencies.randomMatchProbability(of: query, over: [vWA, TH01]) - expected) < 1e-12)
        #expect(frequencies.minimumFrequency == 5.0 / 2072)
        #expect(frequencies.frequency(of: .value(590), at: vWA) == frequencies.minimumFrequency)
    }
}

@Suite("DNA index")
struct DNAIndexTests {
    /// Random profiles with untyped loci, wildcards and near copies, so that every branch of the
    /// index (pair postings, irregular rows, the scan fallback) is exercised.
    static func population(count: Int, seed: UInt64) -> [STRProfile] {
        var generator = STRProfileGenerator(seed: seed)
        var profiles: [STRProfile] = []
        for number in 0..<count {
            var profile = generator.next(reference: "P\(number)")
            if generator.nextInt(below: 10) == 0 {
                let typed = profile.loci.keys.sorted()
                profile.loci[typed[generator.nextInt(below: typed.count)]] = nil
            }
            if generator.nextInt(below: 20) == 0, let locus = profile.loci.keys.sorted().first {
                profile.loci[locus] = Genotype(profile.loci[locus]!.first, .wildcard)
            }
            profiles.append(profile)
            if generator.nextInt(below: 5) == 0 {
                var copy = profile
                copy.reference += "-copy"
                let locus = copy.loci.keys.sorted()[generator.nextInt(below: copy.loci.count)]
                if case .value(let tenths) = copy.loci[locus]!.first { copy.loci[locus] = Genotype(.value(tenths + 10), copy.loci[locus]!.second) }
                profiles.append(copy)
            }
        }
        return profiles
    }

    @Test("the index finds exactly what a linear scan finds", arguments: [1, 2])
    func equalsScan(maximumMismatches: Int) throws {
        let profiles = Self.population(count: 3_000, seed: 42)
        let index = try DNAIndex(profiles: profiles, rules: DNAMatchRules(maximumMismatchedAlleles: maximumMismatches))
        var indexed = 0, found = 0
        for query in profiles.prefix(300) + Self.population(count: 50, seed: 99) {
            var reduced = query
            // Some queries type only part of the loci, down to the scan fallback.
            if query.reference.hasSuffix("7") { reduced.loci = reduced.loci.filter { $0.key.name < "D5" } }
            let (matches, usedIndex) = index.search(reduced)
            let scan = index.linearScan(reduced)
            #expect(matches.map(\.reference) == scan.map(\.reference), "query \(query.reference)")
            #expect(matches.map(\.comparison) == scan.map(\.comparison))
            if usedIndex { indexed += 1 }
            found += matches.count
        }
        #expect(indexed > 250)
        #expect(found >= 300)
    }

    /// Random partial profiles: each locus typed or not at random, 6 to 14 of them — the loci
    /// sets no group shares, which the index reaches through the fixed pairs or checks row by row.
    static func randomPartial(_ profile: STRProfile, _ generator: inout STRProfileGenerator) -> STRProfile {
        var partial = profile
        let loci = profile.loci.keys.sorted()
        let typed = 6 + generator.nextInt(below: 9)
        var kept = Set<STRLocus>()
        while kept.count < min(typed, loci.count) { kept.insert(loci[generator.nextInt(below: loci.count)]) }
        partial.loci = profile.loci.filter { kept.contains($0.key) }
        return partial
    }

    @Test("on a national database's mix (partial stains, wildcards, microvariants, random partial profiles) the index finds exactly what a linear scan finds",
          arguments: [1, 2])
    func equalsScanOnTheMix(maximumMismatches: Int) throws {
        var generator = STRProfileGenerator(seed: 2026)
        var profiles: [STRProfile] = []
        for number in 0..<8_000 {
            var profile = generator.nextOfMix(reference: "M\(number)")
            if number % 10 == 0 { profile = Self.randomPartial(profile, &generator) }
            profiles.append(profile)
        }
        let index = try DNAIndex(profiles: profiles, rules: DNAMatchRules(maximumMismatchedAlleles: maximumMismatches))
        var queries: [STRProfile] = []
        for (number, profile) in profiles.enumerated() where number % 23 == 0 {
            switch number % 4 {
            case 0: queries.append(profile)
            case 1:
                // A near copy: one allele one repeat longer.
                var near = profile
                if let locus = near.loci.keys.sorted().first, case .value(let tenths) = near.loci[locus]!.second {
                    near.loci[locus] = Genotype(near.loci[locus]!.first, .value(tenths + 10))
                }
                queries.append(near)
            case 2: queries.append(Self.randomPartial(profile, &generator))
            default: queries.append(generator.nextOfMix(reference: "fresh-\(number)"))
            }
        }
        var found = 0, indexed = 0
        for query in queries {
            let (matches, usedIndex) = index.search(query)
            let scan = index.linearScan(query)
            #expect(matches.map(\.reference) == scan.map(\.reference), "query \(query.reference) typed at \(query.loci.count) loci")
            #expect(matches.map(\.comparison) == scan.map(\.comparison))
            found += matches.count
            if usedIndex { indexed += 1 }
        }
        #expect(found >= queries.count / 2)
        #expect(indexed >= queries.count / 2)
    }

    @Test("real NIST 1036 genotypes: every profile finds itself as a full hit with a tiny random-match probability",
          .enabled(if: SharedData.available, SharedData.skipMessage("the DNA population data tests are")))
    func nist() throws {
        let text = try String(contentsOf: SharedData.directory!.appendingPathComponent("dna/NIST1036_revised2017_genotypes.csv"), encoding: .utf8)
        let file = ReferenceFile.parse(text, category: .dna)
        #expect(file.problems.isEmpty)
        #expect(file.warnings == ["columns ignored: Pop"])
        #expect(file.records.count == 1036)
        let index = try ReferenceIndex(category: .dna, records: file.records)
        for record in file.records.prefix(100) {
            let answer = index.search(record)
            #expect(answer.outcome == .hit)
            let first = try #require(answer.matches.first)
            #expect(first.reference == record.reference)
            #expect(first.dna?.comparedLoci == record.profile?.loci.count)
            #expect((record.profile?.loci.count ?? 0) >= 27)
            #expect((first.randomMatchProbability ?? 1) < 1e-20)
        }
    }
}

@Suite("Reference files read in pieces")
struct ReferencePieceTests {
    @Test("a file fed in chunks of any size is cut into the same pieces as the whole file", arguments: [1, 3, 64, 100_000])
    func splitter(chunk: Int) {
        let csv = "reference,iban,note\n" + (1...20).map { "A-\($0),GB29NWBK60161331926819,\"multi\nline \"\"\($0)\"\"\"" }.joined(separator: "\n") + "\nB-1,XX00,bad\n"
        let json = "\n  " + (1...9).map { #"{"reference": "J-\#($0)", "iban": "GB29NWBK60161331926819"}"# }.joined(separator: "\n")
        for text in [csv, json, "reference,iban", "reference,iban\n", "", "only one line, no header break"] {
            for linesPerPiece in [1, 2, 7, 1000] {
                let whole = ReferenceFile.pieces(of: text, linesPerPiece: linesPerPiece).map { piece in
                    ReferenceFileSplitter.Piece(text: piece.header.map { "\($0)\n" + text[piece.range] } ?? String(text[piece.range]), lineOffset: piece.lineOffset)
                }
                var splitter = ReferenceFileSplitter(linesPerPiece: linesPerPiece)
                var fed: [ReferenceFileSplitter.Piece] = []
                let bytes = Array(text.utf8)
                for start in stride(from: 0, to: bytes.count, by: chunk) { fed += splitter.feed(bytes[start..<min(start + chunk, bytes.count)]) }
                fed += splitter.finish()
                #expect(fed == whole, "\(text.prefix(20))… by \(linesPerPiece) lines in chunks of \(chunk)")
            }
        }
    }

    @Test("pieces read the same records and report the same lines as the whole file; a duplicate across pieces is found", arguments: [1, 2, 7, 1000])
    func pieces(linesPerPiece: Int) {
        let csv = "reference,iban,note\n" + (1...20).map { "A-\($0),GB29NWBK60161331926819,\"multi\nline \($0)\"" }.joined(separator: "\n")
            + "\nA-3,GB29NWBK60161331926819,dup\nB-1,XX00,bad\n"
        let whole = ReferenceFile.parse(csv, category: .bankAccount)
        var scanner = ReferenceFile.Scanner(category: .bankAccount)
        var references: [String] = []
        for piece in ReferenceFile.pieces(of: csv, linesPerPiece: linesPerPiece) {
            let text = piece.header.map { "\($0)\n" + csv[piece.range] } ?? String(csv[piece.range])
            scanner.scan(text, lineOffset: piece.lineOffset) { references.append($0.reference) }
        }
        let pieced = scanner.finish()
        #expect(references == whole.records.map(\.reference))
        #expect(references.count == 20)
        #expect(pieced.problems == whole.problems)
        #expect(pieced.problems.map(\.description) == [
            "line 42: reference 'A-3' already appears on line 6",
            "line 43: iban: IBAN 'XX00' must have 15 to 34 characters",
        ])
    }
}

@Suite("DNA index snapshots")
struct DNASnapshotTests {
    static func mix(_ count: Int, seed: UInt64) -> [STRProfile] {
        var generator = STRProfileGenerator(seed: seed)
        return (0..<count).map { generator.nextOfMix(reference: "S\($0)") }
    }

    @Test("a snapshot loads into an index that answers every query as the original does")
    func roundTrip() throws {
        let profiles = Self.mix(3_000, seed: 11)
        let index = try DNAIndex(profiles: profiles)
        let bytes = index.snapshot(version: "v-1")
        #expect(DNAIndex.snapshotVersion(bytes) == "v-1")
        let loaded = try DNAIndex(snapshot: bytes)
        #expect(loaded.count == index.count)
        #expect(loaded.loci == index.loci)
        for query in profiles.prefix(200) + Self.mix(50, seed: 12) {
            let (a, b) = (index.search(query).matches, loaded.search(query).matches)
            #expect(a.map(\.reference) == b.map(\.reference))
            #expect(a.map(\.comparison) == b.map(\.comparison))
        }
        // The same bytes again: nothing of the load depends on the order of a dictionary.
        let again = loaded.snapshot(version: "v-1") == bytes
        #expect(again)
    }

    @Test("cut-off, extended, foreign and inconsistent bytes are refused, never half-loaded")
    func refused() throws {
        let bytes = try DNAIndex(profiles: Self.mix(500, seed: 13)).snapshot(version: "v-2")
        for cut in [0, 10, 40, bytes.count / 2, bytes.count - 1] {
            #expect(throws: LiaisonError.self, "cut at \(cut)") { try DNAIndex(snapshot: Array(bytes.prefix(cut))) }
        }
        #expect(throws: LiaisonError.self) { try DNAIndex(snapshot: bytes + [0]) }
        #expect(throws: LiaisonError.self) { try DNAIndex(snapshot: Array("reference,D3S1358\n".utf8)) }
        #expect(DNAIndex.snapshotVersion(Array("not a snapshot".utf8)) == nil)
        // A row code pointing past its locus's alleles.
        let headerLength = bytes[20..<24].reversed().reduce(0) { $0 << 8 | Int($1) }
        var edited = bytes
        edited[24 + headerLength] = 0xFE
        edited[24 + headerLength + 1] = 0xFD
        #expect(throws: LiaisonError.self) { try DNAIndex(snapshot: edited) }
    }
}

@Suite("Ids in at least m of s lists")
struct InAtLeastTests {
    @Test("the walk over the shortest lists and the gallop through the longer ones find what counting finds", arguments: [1, 2, 3])
    func againstCounting(minimum: Int) {
        var generator = SplitMix64(seed: UInt64(minimum))
        for _ in 0..<200 {
            let lists: [ArraySlice<UInt32>] = (0..<3).map { _ in
                let length = generator.next(below: 60)
                return Array(Set((0..<length).map { _ in UInt32(generator.next(below: 100)) })).sorted()[...]
            }
            var counts: [UInt32: Int] = [:]
            for list in lists { for id in list { counts[id, default: 0] += 1 } }
            var found: [UInt32] = []
            DNAIndex.inAtLeast(minimum, of: lists, into: &found)
            #expect(found == counts.filter { $0.value >= minimum }.keys.sorted())
        }
    }
}
