public import Foundation
public import LiaisonCore
public import LiaisonMatching

/// Pairwise evaluation: labelled pairs (a query, a listed party, same or not), each scored by
/// the matcher whatever the score, and precision, recall and F1 at every threshold — the way
/// OpenSanctions evaluates its matchers on its published pairs, so that the best operating point
/// can be chosen and compared.
public struct PairwiseEvaluation: Sendable {
    /// One labelled pair: the query, the index of the party in ``parties``, the label.
    public struct Pair: Sendable, Hashable {
        public var query: ScreeningQuery
        public var party: Int
        public var same: Bool
        /// The class the pair belongs to (a variant kind, "negative", "file").
        public var group: String
        public var script: Script
    }

    /// Figures at one threshold.
    public struct Point: Sendable, Codable {
        public var threshold: Double
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
    }

    public struct Report: Sendable, Codable {
        public var pairs: Int
        public var positives: Int
        public var negatives: Int
        /// Every threshold from 0.50 to 1.00 in steps of 0.01.
        public var curve: [Point]
        /// The threshold with the best F1 (the lowest of equals).
        public var best: Point
        /// At the matcher's default threshold.
        public var atDefault: Point
        /// Recall of each class's positives, and false-positive rate of its negatives, at the default threshold.
        public var recallByGroup: [String: Double]
        public var falsePositiveRateByGroup: [String: Double]
        /// The same per script of the query.
        public var recallByScript: [String: Double]
        public var falsePositiveRateByScript: [String: Double]
    }

    public let parties: [ListedParty]
    public let pairs: [Pair]

    public init(parties: [ListedParty], pairs: [Pair]) {
        self.parties = parties
        self.pairs = pairs
    }

    /// Pairs from the screening harness: each positive query with its own party (same), and with
    /// the best other party at a loose threshold (a hard negative: what a matcher must not
    /// raise); each negative query with its best candidate (not same).
    public init(harness: ScreeningEvaluation) {
        let matcher = NameMatcher(index: NameIndex(parties: harness.parties), parameters: MatchingParameters(threshold: 0.5, limit: 3))
        var pairs: [Pair] = []
        for query in harness.queries where query.variant != "script-organisation" {
            let candidates = matcher.screen(query.query)
            if let expected = query.expected {
                pairs.append(Pair(query: query.query, party: expected, same: true, group: query.variant, script: query.script))
                // The same person is often on two lists (OFAC and the UN): an entry that shares a
                // name or a date of birth with the expected one is no negative.
                let own = harness.parties[expected]
                let ownNames = Set(own.names.map { NameNormalizer.normalize($0).text })
                func sameEntity(_ other: ListedParty) -> Bool {
                    !Set(other.birthDates).isDisjoint(with: own.birthDates) || other.names.contains { ownNames.contains(NameNormalizer.normalize($0).text) }
                }
                if let other = candidates.first(where: { $0.partyIndex != expected && !sameEntity(harness.parties[$0.partyIndex]) }) {
                    pairs.append(Pair(query: query.query, party: other.partyIndex, same: false, group: query.variant, script: query.script))
                }
            } else if let first = candidates.first {
                pairs.append(Pair(query: query.query, party: first.partyIndex, same: false, group: "negative", script: query.script))
            }
        }
        self.init(parties: harness.parties, pairs: pairs)
    }

    /// Pairs from a file, one JSON object a line, as OpenSanctions publishes its training pairs:
    /// `{"left": entity, "right": entity, "judgement": "positive" | "negative"}` with
    /// FollowTheMoney entities (`schema`, `properties.name`, `alias`, `birthDate`, `nationality`,
    /// `country`); or a CSV with the header `left,right,label` (label 1/0, true/false,
    /// positive/negative). Pairs judged "unsure" are left out. The right-hand entities form the
    /// index, so token weights come from them. Errors name the line.
    public init(file text: String) throws(LiaisonError) {
        var parties: [ListedParty] = []
        var pairs: [Pair] = []
        var partyByKey: [String: Int] = [:]
        func party(_ entity: ListedParty) -> Int {
            let key = entity.names.joined(separator: "\u{1F}") + "\u{1E}" + entity.kind.rawValue + entity.birthDates.joined() + entity.countries.joined()
            if let known = partyByKey[key] { return known }
            parties.append(ListedParty(id: "right-\(parties.count + 1)", kind: entity.kind, names: entity.names,
                                       birthDates: entity.birthDates, countries: entity.countries))
            partyByKey[key] = parties.count - 1
            return parties.count - 1
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let firstLine = lines.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if firstLine.hasPrefix("{") {
            for (offset, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let number = offset + 1
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    throw LiaisonError(.invalidInput, "line \(number): not a JSON object")
                }
                let judgement = (object["judgement"] as? String)?.lowercased() ?? ""
                guard judgement != "unsure", judgement != "no_judgement" else { continue }
                guard judgement == "positive" || judgement == "negative" else {
                    throw LiaisonError(.invalidInput, "line \(number): judgement '\(judgement)' is not positive, negative or unsure")
                }
                guard let left = Self.entity(object["left"]), let right = Self.entity(object["right"]) else {
                    throw LiaisonError(.invalidInput, "line \(number): left and right must be entities with at least one name")
                }
                let query = ScreeningQuery(name: left.names[0], kind: left.kind, birthDate: left.birthDates.first, country: left.countries.first)
                pairs.append(Pair(query: query, party: party(right), same: judgement == "positive", group: left.kind.rawValue,
                                  script: Script.dominant(in: query.name)))
            }
        } else {
            let records = try CSVReader().records(text)
            guard let header = records.first?.fields.map({ $0.lowercased() }),
                  let leftColumn = header.firstIndex(of: "left"), let rightColumn = header.firstIndex(of: "right"),
                  let labelColumn = header.firstIndex(of: "label") else {
                throw LiaisonError(.invalidInput, "line 1: a pairs CSV needs the columns left, right and label")
            }
            for record in records.dropFirst() {
                let fields = record.fields
                guard fields.count > max(leftColumn, rightColumn, labelColumn) else {
                    throw LiaisonError(.invalidInput, "line \(record.line): \(fields.count) fields; expected \(header.count)")
                }
                let same: Bool
                switch fields[labelColumn].lowercased() {
                case "1", "true", "positive", "yes", "match": same = true
                case "0", "false", "negative", "no", "non-match": same = false
                default: throw LiaisonError(.invalidInput, "line \(record.line): label '\(fields[labelColumn])' is not 1 or 0")
                }
                guard !fields[leftColumn].isEmpty, !fields[rightColumn].isEmpty else { throw LiaisonError(.invalidInput, "line \(record.line): empty name") }
                let query = ScreeningQuery(name: fields[leftColumn])
                pairs.append(Pair(query: query, party: party(ListedParty(id: "", kind: .unknown, names: [fields[rightColumn]])), same: same,
                                  group: "file", script: Script.dominant(in: query.name)))
            }
        }
        guard !pairs.isEmpty else { throw LiaisonError(.invalidInput, "no labelled pairs in the file") }
        self.init(parties: parties, pairs: pairs)
    }

    /// A FollowTheMoney entity as a party: names from `name` and `alias`, the schema as kind.
    private static func entity(_ value: Any?) -> ListedParty? {
        guard let object = value as? [String: Any], let properties = object["properties"] as? [String: Any] else { return nil }
        func strings(_ key: String) -> [String] { (properties[key] as? [Any])?.compactMap { $0 as? String } ?? [] }
        let names = (strings("name") + strings("alias")).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !names.isEmpty else { return nil }
        let schema = (object["schema"] as? String) ?? ""
        let kind = PartyKind(listValue: ["Person": "person", "Organization": "organization", "Company": "organization",
                                         "LegalEntity": "organization", "Vessel": "vessel", "Airplane": "aircraft"][schema] ?? "")
        let countries = (strings("nationality") + strings("country") + strings("citizenship")).map { $0.lowercased() }.filter { $0.count == 2 }
        let dates = strings("birthDate").filter { $0.count >= 4 }.map { String($0.prefix(10)) }
        return ListedParty(id: (object["id"] as? String) ?? "", kind: kind, names: names, birthDates: dates, countries: countries)
    }

    /// Scores every pair with `parameters` (over an index of ``parties``) and reports.
    public func evaluate(parameters: MatchingParameters = MatchingParameters()) -> Report {
        let matcher = NameMatcher(index: NameIndex(parties: parties), parameters: parameters)
        let scores = pairs.map { matcher.score($0.query, against: $0.party)?.score ?? 0 }
        return report(scores: scores, defaultThreshold: parameters.threshold)
    }

    /// The report for given scores, one per pair.
    public func report(scores: [Double], defaultThreshold: Double) -> Report {
        func point(_ threshold: Double) -> Point {
            var tp = 0, fp = 0, fn = 0
            for (pair, score) in zip(pairs, scores) {
                let raised = score >= threshold - 1e-9
                if pair.same { if raised { tp += 1 } else { fn += 1 } } else if raised { fp += 1 }
            }
            let precision = tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp)
            let recall = tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn)
            return Point(threshold: threshold, precision: precision, recall: recall,
                         f1: precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
                         truePositives: tp, falsePositives: fp, falseNegatives: fn)
        }
        let curve = (50...100).map { point(Double($0) / 100) }
        let best = curve.reduce(curve[0]) { $1.f1 > $0.f1 + 1e-12 ? $1 : $0 }
        func rates(_ key: (Pair) -> String) -> (recall: [String: Double], falsePositive: [String: Double]) {
            var positives: [String: (Int, Int)] = [:], negatives: [String: (Int, Int)] = [:]
            for (pair, score) in zip(pairs, scores) {
                let raised = score >= defaultThreshold - 1e-9 ? 1 : 0
                if pair.same { positives[key(pair), default: (0, 0)].0 += raised; positives[key(pair), default: (0, 0)].1 += 1 }
                else { negatives[key(pair), default: (0, 0)].0 += raised; negatives[key(pair), default: (0, 0)].1 += 1 }
            }
            return (positives.mapValues { Double($0.0) / Double($0.1) }, negatives.mapValues { Double($0.0) / Double($0.1) })
        }
        let groups = rates(\.group), scripts = rates { ScreeningEvaluation.reportingScript($0.script) }
        return Report(pairs: pairs.count, positives: pairs.filter(\.same).count, negatives: pairs.filter { !$0.same }.count,
                      curve: curve, best: best, atDefault: point(defaultThreshold),
                      recallByGroup: groups.recall, falsePositiveRateByGroup: groups.falsePositive,
                      recallByScript: scripts.recall, falsePositiveRateByScript: scripts.falsePositive)
    }
}
