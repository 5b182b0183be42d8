public import Foundation
public import LiaisonCore
public import LiaisonMatching

/// Scores the typology detectors against labelled data: per typology, the accounts the detector
/// flags against the accounts labelled with it (AMLSim labels accounts, not transactions, so the
/// score is per account).
public enum TypologyEvaluation {
    public struct Score: Codable, Sendable, Equatable {
        public var typology: String
        public var labelled: Int
        public var flagged: Int
        public var truePositives: Int
        /// Of the flagged accounts, those labelled with any laundering typology.
        public var launderingPositives: Int
        public var alerts: Int
        /// Patterns with at least one alert of their typology covering half their accounts.
        public var patterns: Int
        public var patternsFound: Int

        public var precision: Double { flagged == 0 ? 1 : Double(truePositives) / Double(flagged) }
        public var recall: Double { labelled == 0 ? 1 : Double(truePositives) / Double(labelled) }
        public var patternRecall: Double { patterns == 0 ? 1 : Double(patternsFound) / Double(patterns) }
    }

    public struct Report: Codable, Sendable {
        public var dataset: String
        public var accounts: Int
        public var transactions: Int
        public var seconds: Double
        public var scores: [Score]
    }

    /// Generates a data set and scores every typology on it.
    public static func generated(
        _ configuration: LaunderingGenerator.Configuration, parameters: TypologyParameters = .init(), showFalse: Typology? = nil, showMissed: Typology? = nil
    ) -> Report {
        let dataset = LaunderingGenerator(configuration: configuration).generate()
        let graph = TransactionGraph(accounts: dataset.accounts, transactions: dataset.transactions)
        let started = ContinuousClock.now
        let alerts = TypologyDetector(graph: graph, parameters: parameters).scan()
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let labels = dataset.labels
        let laundering = Set(labels.values.flatMap { $0 })
        var scores: [Score] = []
        for typology in Typology.allCases {
            let found = alerts.filter { $0.typology == typology }
            let flagged = Set(found.flatMap(\.accounts))
            let labelled = labels[typology] ?? []
            let patterns = dataset.patterns.filter { $0.typology == typology }
            if typology == showFalse {
                for alert in found.filter({ Set($0.accounts).intersection(labelled).isEmpty }).prefix(6) {
                    print("FALSE ALERT \(alert.accounts.filter { laundering.contains($0) }.count) laundering accounts\n  " + alert.explanation.prefix(12).joined(separator: "\n  "))
                }
            }
            if typology == showMissed {
                for pattern in patterns where !found.contains(where: { Set($0.accounts).intersection(pattern.accounts).count * 2 >= pattern.accounts.count }) {
                    print("MISSED \(pattern.accounts.joined(separator: " "))")
                    let members = Set(pattern.accounts)
                    for transaction in graph.transactions where members.contains(transaction.debtor) && members.contains(transaction.creditor) {
                        print("  \(transaction.valueAt) \(transaction.debtor) -> \(transaction.creditor) \(transaction.amount)")
                    }
                    for account in pattern.accounts.prefix(3) {
                        let all = graph.transactions.filter { $0.debtor == account || $0.creditor == account }
                        print("  \(account): \(all.count) transactions")
                    }
                }
            }
            let patternsFound = patterns.filter { pattern in
                let members = Set(pattern.accounts)
                return found.contains { Set($0.accounts).intersection(members).count * 2 >= members.count }
            }.count
            scores.append(
                Score(
                    typology: typology.rawValue, labelled: labelled.count, flagged: flagged.count, truePositives: flagged.intersection(labelled).count,
                    launderingPositives: flagged.intersection(laundering).count, alerts: found.count, patterns: patterns.count,
                    patternsFound: patternsFound))
        }
        return Report(dataset: "generated (seed \(configuration.seed))", accounts: dataset.accounts.count, transactions: dataset.transactions.count, seconds: seconds, scores: scores)
    }

    /// Scores the detectors on one of AMLSim's sample sets (`nodes.csv` with `isFraud`,
    /// `transactions.csv`). Labels say only whether an account is in some alert pattern, so each
    /// typology is scored against all fraud accounts, and the union of the detectors run is scored too.
    /// AMLSim's samples spread a cycle's transfers at random over its period and count time in
    /// days, so cycles are looked for without time order over the whole simulation.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the files are missing or malformed.
    public static func amlsim(directory: URL, typologies: [Typology], parameters: TypologyParameters? = nil) throws(LiaisonError) -> Report {
        let nodesURL = directory.appendingPathComponent("nodes.csv")
        let transactionsURL = directory.appendingPathComponent("transactions.csv")
        guard let nodes = try? String(contentsOf: nodesURL, encoding: .utf8), let data = try? Data(contentsOf: transactionsURL) else {
            throw LiaisonError(.invalidInput, "\(directory.path) must hold AMLSim's nodes.csv and transactions.csv")
        }
        var fraud = Set<String>()
        var header = true
        try CSVReader().forEachRecord(nodes) { record throws(LiaisonError) in
            if header {
                header = false
                return
            }
            guard record.fields.count >= 2 else { throw LiaisonError(.invalidInput, "nodes.csv line \(record.line): expected nodeid,isFraud") }
            if record.fields[1].trimmingCharacters(in: .whitespaces) == "1" { fraud.insert("local:amlsim:\(record.fields[0].trimmingCharacters(in: .whitespaces))") }
        }
        let file = try TransactionReader.read(data, format: .amlsim, name: "transactions.csv")
        let graph = TransactionGraph(accounts: file.accounts, transactions: file.transactions)
        let started = ContinuousClock.now
        var alerts: [TypologyAlert]
        if let parameters {
            alerts = TypologyDetector(graph: graph, parameters: parameters).scan(Set(typologies))
        } else {
            // Cycles over the whole simulation without time order; the rest with the defaults.
            var cycles = TypologyParameters()
            cycles.timeOrderedCycles = false
            cycles.windowDays = 150
            alerts = typologies.contains(.cycle) ? TypologyDetector(graph: graph, parameters: cycles).scan([.cycle]) : []
            alerts += TypologyDetector(graph: graph).scan(Set(typologies).subtracting([.cycle]))
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        var scores: [Score] = []
        var union = Set<String>()
        for typology in typologies {
            let found = alerts.filter { $0.typology == typology }
            let flagged = Set(found.flatMap(\.accounts))
            union.formUnion(flagged)
            let hits = flagged.intersection(fraud).count
            scores.append(
                Score(
                    typology: typology.rawValue, labelled: fraud.count, flagged: flagged.count, truePositives: hits, launderingPositives: hits,
                    alerts: found.count, patterns: 0, patternsFound: 0))
        }
        let hits = union.intersection(fraud).count
        scores.append(
            Score(typology: "all", labelled: fraud.count, flagged: union.count, truePositives: hits, launderingPositives: hits, alerts: alerts.count, patterns: 0, patternsFound: 0))
        return Report(
            dataset: "AMLSim \(directory.lastPathComponent)", accounts: graph.accountCount, transactions: graph.transactionCount, seconds: seconds, scores: scores)
    }

    /// The report as a table.
    public static func describe(_ report: Report) -> String {
        var lines = [
            "\(report.dataset): \(report.accounts) accounts, \(report.transactions) transactions, scanned in \(String(format: "%.2f", report.seconds)) s",
            "typology              labelled  flagged  precision  recall  patterns found  alerts",
        ]
        for score in report.scores {
            let name = score.typology.padding(toLength: 22, withPad: " ", startingAt: 0)
            let patterns = score.patterns == 0 ? "-" : "\(score.patternsFound)/\(score.patterns)"
            lines.append(
                name + String(format: "%8d %8d %10.3f %7.3f %15@ %7d", score.labelled, score.flagged, score.precision, score.recall, patterns as NSString, score.alerts))
        }
        return lines.joined(separator: "\n")
    }
}
