import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonServer
import LiaisonStore


/// The CLI's hit/no-hit commands, over the node's own database (no server needed).
enum HitOperations {
    static func withService<T: Sendable>(dataDirectory: String, databaseURL: String?, _ body: @escaping @Sendable (HitService) async throws -> T) async throws -> T {
        try await NodeServices.with(dataDirectory: dataDirectory, databaseURL: databaseURL) { try await body($0.hits) }
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw LiaisonError(.invalidInput, "cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The problems of a file as one summary line and one `FILE:LINE: reason` line each.
    static func fileError(_ problems: LineProblems, path: String, action: String) -> LiaisonError {
        let count = problems.problems.count
        let lines = problems.problems.map { "\(path):\($0.line): \($0.message)" }
        return LiaisonError(.invalidInput, (["\(count) bad line\(count == 1 ? "" : "s") in \(path); nothing \(action)"] + lines).joined(separator: "\n"))
    }

    /// Imports a reference file in one transaction, reading it 4 MB at a time: a file of ten
    /// million profiles is never held whole.
    static func importFile(dataDirectory: String, databaseURL: String?, category: String, path: String, replaceAll: Bool) async throws -> String {
        let category = try HitCategory.parse(category)
        guard FileManager.default.isReadableFile(atPath: path), let probe = FileHandle(forReadingAtPath: path) else {
            throw LiaisonError(.invalidInput, "cannot read \(path)")
        }
        try? probe.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        do {
            let (report, warnings) = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
                try await service.importPieces(category: category, replaceAll: replaceAll, actor: "cli") { each in
                    guard let file = FileHandle(forReadingAtPath: path) else { throw LiaisonError(.invalidInput, "cannot read \(path)") }
                    defer { try? file.close() }
                    var splitter = ReferenceFileSplitter(linesPerPiece: HitService.linesPerPiece)
                    var progress = ImportProgress(path: path, total: size)
                    while let chunk = try file.read(upToCount: 4 << 20), !chunk.isEmpty {
                        for piece in splitter.feed(chunk) { try await each(piece.text, piece.lineOffset) }
                        progress.read(chunk.count)
                    }
                    for piece in splitter.finish() { try await each(piece.text, piece.lineOffset) }
                }
            }
            let summary = "\(category.rawValue): added \(report.added), updated \(report.updated), removed \(report.removed); \(report.total) held"
            return (warnings.map { "warning: \($0)" } + [summary]).joined(separator: "\n")
        } catch let problems as LineProblems {
            throw fileError(problems, path: path, action: "imported")
        }
    }

    /// Searches the node's own reference data with every query in a file.
    static func search(dataDirectory: String, databaseURL: String?, category: String, path: String, json: Bool) async throws -> String {
        let category = try HitCategory.parse(category)
        let text = try read(path)
        do {
            let answers = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
                try await service.search(try await service.queries(text, category: category), category: category, actor: "cli")
            }
            if json {
                let encoder = JSON.encoder
                return try answers.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
            }
            return answers.map(describe).joined(separator: "\n")
        } catch let problems as LineProblems {
            throw fileError(problems, path: path, action: "searched")
        }
    }

    /// Writes `count` synthetic profiles as CSV in the NIST 1036 layout over the CODIS 20 loci,
    /// in chunks handed to `write`; with `mix`, a national database's mix
    /// (``STRProfileGenerator/nextOfMix(reference:)``), untyped loci left empty.
    static func generateProfiles(count: Int, seed: UInt64, prefix: String, mix: Bool = false, write: (Data) -> Void) throws {
        let loci = STRLocus.codis20.compactMap(STRLocus.named).sorted()
        var generator = STRProfileGenerator(loci: loci, seed: seed)
        var text = "reference," + loci.flatMap { ["\($0.name)_a1", "\($0.name)_a2"] }.joined(separator: ",") + "\n"
        for number in 0..<count {
            let profile = mix ? generator.nextOfMix(reference: "") : generator.next(reference: "")
            text += prefix + String(number)
            for locus in loci {
                if let genotype = profile.loci[locus] { text += ",\(genotype.first),\(genotype.second)" } else { text += ",," }
            }
            text += "\n"
            if text.utf8.count > 1 << 20 {
                write(Data(text.utf8))
                text = ""
            }
        }
        write(Data(text.utf8))
    }

    /// One answer for a terminal: the outcome, then each match with its quality.
    static func describe(_ answer: HitAnswer) -> String {
        var lines = ["\(answer.query): \(answer.outcome.rawValue)"]
        for match in answer.matches { lines.append("  " + HitFormatting.summary(match)) }
        return lines.joined(separator: "\n")
    }
}

/// Progress of a long import on standard error, every tenth of the file (files over 64 MB only):
/// "dna.csv: 30 % read (366 of 1,223 MB)".
struct ImportProgress {
    let path: String
    let total: Int
    private var done = 0
    private var reported = 0

    init(path: String, total: Int) {
        self.path = path
        self.total = total
    }

    mutating func read(_ bytes: Int) {
        done += bytes
        guard total > 64 << 20 else { return }
        let tenths = done * 10 / total
        guard tenths > reported, tenths < 10 else { return }
        reported = tenths
        let line = "\((path as NSString).lastPathComponent): \(tenths * 10) % read (\(done >> 20) of \(total >> 20) MB)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
