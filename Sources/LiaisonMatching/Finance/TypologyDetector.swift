public import LiaisonCore
public import Foundation

/// Finds money-laundering typologies in a ``TransactionGraph`` and explains each finding with the
/// accounts, transactions, amounts and times that make it.
///
/// Every detector looks for a shape *and* for what sets it apart from ordinary traffic: a burst of
/// new counterparties against the account's own usual rate (so that a busy shop is not a fan-in and
/// a payroll is not a fan-out), amounts passed on in the share a laundering hop keeps (so that
/// unrelated payments do not chain into a cycle), time order within the window. The most specific
/// explanation wins: a fan-out that is the first half of a scatter-gather is reported as the
/// scatter-gather. See `docs/finance.md` for each rule.
public struct TypologyDetector: Sendable {
    /// Bumped whenever a rule changes, and stored with every alert.
    public static let version = "1.2"

    public let graph: TransactionGraph
    public let parameters: TypologyParameters

    public init(graph: TransactionGraph, parameters: TypologyParameters = .init()) {
        self.graph = graph
        self.parameters = parameters
    }

    private var window: Int64 { Int64(parameters.windowDays) * 86_400 }

    /// Runs the chosen detectors (all by default).
    public func scan(_ typologies: Set<Typology> = Set(Typology.allCases)) -> [TypologyAlert] {
        var composite: [TypologyAlert] = []
        var simple: [TypologyAlert] = []
        var bipartite: [Block] = []
        if typologies.contains(.bipartite) || typologies.contains(.stack) { bipartite = bipartiteBlocks() }
        var stacked = Set<Int>()
        if typologies.contains(.stack) {
            let (alerts, used) = stacks(bipartite)
            composite += alerts
            stacked = used
        }
        if typologies.contains(.bipartite) {
            composite += bipartite.enumerated().filter { !stacked.contains($0.offset) }.map { alert(for: $0.element) }
        }
        if typologies.contains(.scatterGather) { composite += scatterGather() }
        if typologies.contains(.gatherScatter) {
            // A middle-layer account of a stack or a bipartite block gathers and scatters too.
            let layered = Set(composite.flatMap(\.accounts))
            composite += gatherScatter().filter { alert in
                !(layered.contains(alert.focus) && alert.accounts.filter(layered.contains).count * 2 >= alert.accounts.count)
            }
        }
        if typologies.contains(.structuring) { composite += structuring() }
        if typologies.contains(.fanOut) { simple += bursts(outgoing: true) }
        if typologies.contains(.fanIn) { simple += bursts(outgoing: false) }
        // The most specific explanation wins: a burst whose accounts mostly belong to a composite
        // pattern is that pattern's first or second half.
        let covered = Set(composite.flatMap(\.accounts))
        simple = simple.filter { alert in
            let inside = alert.accounts.filter(covered.contains).count
            return !(covered.contains(alert.focus) && inside * 2 >= alert.accounts.count)
        }
        var alerts = composite + simple
        if typologies.contains(.cycle) { alerts += cycles() }
        if typologies.contains(.roundTripping) { alerts += roundTrips() }
        if typologies.contains(.rapidPassThrough) { alerts += passThroughs() }
        return alerts.sorted { $0.from != $1.from ? $0.from < $1.from : $0.fingerprint < $1.fingerprint }
    }

    // MARK: Building alerts

    private func alert(_ typology: Typology, focus: Int32, accounts: [Int32], transactions: [Int32], explanation: [String]) -> TypologyAlert {
        var ordered: [Int32] = [focus]
        for account in accounts where !ordered.contains(account) { ordered.append(account) }
        let sorted = Array(Set(transactions)).sorted()
        var totals: [UInt16: Int64] = [:]
        for transaction in sorted { totals[graph.currency[Int(transaction)]] = (totals[graph.currency[Int(transaction)]] ?? 0).saturatingAdding(graph.amount[Int(transaction)]) }
        let total = totals.sorted { $0.key < $1.key }.map { Money(minor: $0.value, currency: graph.currencies[Int($0.key)]) }
        return TypologyAlert(
            typology: typology, focus: graph.accounts[Int(focus)].key, accounts: ordered.map { graph.accounts[Int($0)].key },
            transactions: sorted.map { graph.ids.id(Int($0)) }, total: total,
            from: graph.valueAt[Int(sorted.first ?? 0)], to: graph.valueAt[Int(sorted.last ?? 0)],
            explanation: explanation, algorithmVersion: Self.version, parameters: parameters.summary)
    }

    func name(_ account: Int32) -> String {
        let record = graph.accounts[Int(account)]
        let holder = record.holder.map { $0.isEmpty || record.scheme == .unidentified ? "" : " \($0)" } ?? ""
        return record.identifier + holder + (record.country.map { " (\($0))" } ?? "")
    }

    func money(_ transaction: Int32) -> String {
        Money(minor: graph.amount[Int(transaction)], currency: graph.currencies[Int(graph.currency[Int(transaction)])]).description
    }

    func day(_ transaction: Int32) -> String {
        let date = graph.valueAt[Int(transaction)]
        return String(date.formatted(.iso8601.year().month().day()))
    }

    func line(_ transaction: Int32) -> String {
        "\(day(transaction)) \(name(graph.from[Int(transaction)])) → \(name(graph.to[Int(transaction)])) \(money(transaction)) [\(graph.ids.id(Int(transaction)))]"
    }

    static func oneDecimal(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    /// `1.2e-07`.
    static func scientific(_ value: Double) -> String {
        guard value > 0 else { return "0" }
        let exponent = Int(log10(value).rounded(.down))  // checked: value is a probability in (0, 1]
        let mantissa = value / pow(10, Double(exponent))
        return "\(oneDecimal(mantissa))e\(exponent)"
    }

    /// How many of the sorted values fall in the range.
    static func count(_ sorted: [Int64], in range: ClosedRange<Int64>) -> Int {
        func firstIndex(notBelow value: Int64) -> Int {
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < value { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return firstIndex(notBelow: range.upperBound &+ 1) - firstIndex(notBelow: range.lowerBound)
    }

    /// The probability that a Poisson count with this mean is at least `count`.
    static func poissonTail(atLeast count: Int, mean: Double) -> Double {
        guard count > 0 else { return 1 }
        let lambda = max(mean, 1e-9)
        // Sum the terms from `count` upward; they fall fast once k exceeds the mean.
        var term = exp(-lambda)
        for k in 1...count { term *= lambda / Double(k) }
        var total = 0.0
        var k = count
        while term > 1e-300 && k < count + 1_000 {
            total += term
            k += 1
            term *= lambda / Double(k)
            if Double(k) > lambda && term < total * 1e-12 { break }
        }
        return min(total, 1)
    }

    /// Whether the incoming payment makes up at least `minFundsShare` of what the intermediary held
    /// when it paid on: the money that left is substantially the money that came in.
    func funds(_ incoming: Int32, fund outgoing: Int32) -> Bool {
        let held = graph.balanceBefore[Int(outgoing)]
        guard held > 0 else { return true }
        return Double(graph.amount[Int(incoming)]) >= parameters.minFundsShare * Double(held)
    }

    /// The probability a burst must reach: `burstProbability`, or less on large data, so that chance
    /// raises about `burstFalseAlarms` bursts in a scan of all accounts' windows.
    var burstThreshold: Double {
        let windows = max(1, Double(span) / Double(max(window, 1)))
        let tests = max(1, Double(graph.accountCount) * windows)
        return min(parameters.burstProbability, parameters.burstFalseAlarms / tests)
    }

    var span: Int64 {
        guard let first = graph.time.first, let last = graph.time.last else { return 0 }
        return max(last - first, window)
    }

    /// How often account `a` pays (or is paid by) each counterparty over all the data.
    func counterpartyCounts(_ account: Int32, outgoing: Bool) -> [Int32: Int] {
        var counts: [Int32: Int] = [:]
        for transaction in outgoing ? graph.debits(account) : graph.credits(account) {
            counts[outgoing ? graph.to[Int(transaction)] : graph.from[Int(transaction)], default: 0] += 1
        }
        return counts
    }

    func withinShare(_ passed: Int64, of received: Int64) -> Bool {
        let ratio = Double(passed) / Double(received)
        return ratio >= parameters.minForwardShare && ratio <= parameters.maxForwardShare
    }

    // MARK: Fan-out and fan-in

    /// Windows in which an account pays (or is paid by) at least `minCounterparties` counterparties
    /// it does not pay regularly, more than its usual rate makes likely (``poissonTail(atLeast:mean:)``
    /// at most `burstProbability`).
    func bursts(outgoing: Bool) -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        let typology: Typology = outgoing ? .fanOut : .fanIn
        for account in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            let all = outgoing ? graph.debits(account) : graph.credits(account)
            guard all.count >= parameters.minCounterparties else { continue }
            let counts = counterpartyCounts(account, outgoing: outgoing)
            func other(_ transaction: Int32) -> Int32 { outgoing ? graph.to[Int(transaction)] : graph.from[Int(transaction)] }
            let candidates = all.filter { counts[other($0), default: 0] < parameters.regularCounterpartyPayments }
            var start = 0
            var distinct: [Int32: Int] = [:]
            var end = 0
            while end < candidates.count {
                distinct[other(candidates[end]), default: 0] += 1
                while graph.time[Int(candidates[end])] - graph.time[Int(candidates[start])] > window {
                    let leaving = other(candidates[start])
                    distinct[leaving]! -= 1
                    if distinct[leaving] == 0 { distinct[leaving] = nil }
                    start += 1
                }
                if distinct.count >= parameters.minCounterparties {
                    // Extend to everything in the window from `start`, then judge the burst.
                    var last = end
                    while last + 1 < candidates.count && graph.time[Int(candidates[last + 1])] - graph.time[Int(candidates[start])] <= window {
                        last += 1
                    }
                    let inWindow = Array(candidates[start...last])
                    let others = Set(inWindow.map(other))
                    let usual = Double(all.count - inWindow.count) / Double(max(span - window, window)) * Double(window)
                    let chance = Self.poissonTail(atLeast: inWindow.count, mean: usual)
                    if others.count >= parameters.minCounterparties && chance <= burstThreshold {
                        let direction = outgoing ? "paid" : "was paid by"
                        var explanation = [
                            "\(name(account)) \(direction) \(others.count) accounts it has no regular payments with, within \(parameters.windowDays) days (\(day(inWindow.first!)) to \(day(inWindow.last!)))",
                            "at its usual rate of \(Self.oneDecimal(usual)) payments in \(parameters.windowDays) days, \(inWindow.count) would happen by chance with probability \(Self.scientific(chance))",
                        ]
                        explanation += inWindow.map(line)
                        alerts.append(alert(typology, focus: account, accounts: Array(others), transactions: inWindow, explanation: explanation))
                        start = last + 1
                        end = last + 1
                        distinct = [:]
                        continue
                    }
                }
                end += 1
            }
        }
        return alerts
    }

    // MARK: Scatter-gather and gather-scatter

    /// An account pays several intermediaries, and each passes most of what it got to one other
    /// account, all within the window.
    func scatterGather() -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        for source in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            let debits = graph.debits(source)
            guard debits.count >= parameters.minIntermediaries else { continue }
            // target → intermediary → (first hop, second hop)
            var legs: [Int32: [Int32: (Int32, Int32)]] = [:]
            for first in debits {
                let middle = graph.to[Int(first)]
                let received = graph.amount[Int(first)]
                for second in graph.debits(middle) where second > first {
                    guard graph.time[Int(second)] - graph.time[Int(first)] <= window else { break }
                    let target = graph.to[Int(second)]
                    guard target != source, graph.currency[Int(second)] == graph.currency[Int(first)],
                        withinShare(graph.amount[Int(second)], of: received), funds(first, fund: second), legs[target]?[middle] == nil
                    else { continue }
                    legs[target, default: [:]][middle] = (first, second)
                }
            }
            for (target, viaMiddle) in legs where viaMiddle.count >= parameters.minIntermediaries {
                let hops = viaMiddle.values.flatMap { [$0.0, $0.1] }
                let times = hops.map { graph.time[Int($0)] }
                guard times.max()! - times.min()! <= window * 2 else { continue }
                let middles = Array(viaMiddle.keys)
                var explanation = [
                    "\(name(source)) paid \(middles.count) accounts, and each passed \(Int(parameters.minForwardShare * 100))–\(Int(parameters.maxForwardShare * 100)) % of it on to \(name(target)) within \(parameters.windowDays) days"
                ]
                for (middle, legs) in viaMiddle.sorted(by: { $0.value.0 < $1.value.0 }) {
                    explanation.append("via \(name(middle)): \(line(legs.0)); then \(line(legs.1))")
                }
                alerts.append(alert(.scatterGather, focus: source, accounts: [target] + middles, transactions: hops, explanation: explanation))
            }
        }
        return alerts
    }

    /// A hub paid by several accounts it does not deal with regularly pays most of it on to several
    /// others soon after, at a rate well above its usual one.
    func gatherScatter() -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        let least = parameters.minIntermediaries
        for hub in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            let credits = graph.credits(hub)
            let debits = graph.debits(hub)
            guard credits.count >= least && debits.count >= least else { continue }
            let inCounts = counterpartyCounts(hub, outgoing: false)
            let outCounts = counterpartyCounts(hub, outgoing: true)
            let ins = credits.filter { inCounts[graph.from[Int($0)], default: 0] < parameters.regularCounterpartyPayments }
            let outs = debits.filter { outCounts[graph.to[Int($0)], default: 0] < parameters.regularCounterpartyPayments }
            var used = Int32(-1)
            for (position, first) in ins.enumerated() where first > used {
                let start = graph.time[Int(first)]
                let gathered = ins[position...].prefix { graph.time[Int($0)] - start <= window }
                let sources = Set(gathered.map { graph.from[Int($0)] })
                guard sources.count >= least else { continue }
                let lastIn = gathered.last!
                let scattered = outs.filter { $0 > first && graph.time[Int($0)] - start <= window * 2 && graph.time[Int($0)] >= start }
                let recipients = Set(scattered.map { graph.to[Int($0)] }).subtracting(sources)
                guard recipients.count >= least else { continue }
                let totalIn = gathered.reduce(Int64(0)) { $0.saturatingAdding(graph.amount[Int($1)]) }
                let totalOut = scattered.filter { recipients.contains(graph.to[Int($0)]) }.reduce(Int64(0)) { $0.saturatingAdding(graph.amount[Int($1)]) }
                let count = gathered.count + scattered.count
                let usual = Double(credits.count + debits.count - count) / Double(max(span - window * 2, window * 2)) * Double(window * 2)
                // Most of what was gathered is paid on (more may be: the hub's own money is not told apart).
                guard Double(totalOut) >= parameters.minForwardShare * Double(totalIn), Self.poissonTail(atLeast: count, mean: usual) <= burstThreshold else { continue }
                let moves = Array(gathered) + scattered.filter { recipients.contains(graph.to[Int($0)]) }
                var explanation = [
                    "\(name(hub)) was paid by \(sources.count) accounts (\(Money(minor: totalIn, currency: graph.currencies[Int(graph.currency[Int(first)])]))) and paid \(Int((Double(totalOut) / Double(totalIn) * 100).rounded())) % of it on to \(recipients.count) others between \(day(first)) and \(day(moves.max()!))"
                ]
                explanation += moves.sorted().map(line)
                alerts.append(alert(.gatherScatter, focus: hub, accounts: Array(sources) + Array(recipients), transactions: moves, explanation: explanation))
                used = max(lastIn, scattered.max() ?? lastIn)
            }
        }
        return alerts
    }

    // MARK: Bipartite and stack

    struct Block {
        var senders: [Int32]
        var recipients: [Int32]
        var transactions: [Int32]
    }

    /// Groups of at least `minGroup` accounts that each pay at least `minGroup` of the same
    /// recipients within the window, the recipients not being paid by many others then.
    func bipartiteBlocks() -> [Block] {
        let least = parameters.minGroup
        // For each recipient, its payers, from recipients that few accounts pay (not a shop or a
        // utility); each pair of its payers as one 64-bit key. The pairs seen at least `least`
        // times are found by sorting the keys (a dictionary of every pair held gigabytes at 5M
        // transactions), then their recipients collected in a second pass.
        func payers(of recipient: Int32) -> [Int32]? {
            let credits = graph.credits(recipient)
            guard credits.count >= least else { return nil }
            let payers = Array(Set(credits.map { graph.from[Int($0)] })).sorted()
            guard payers.count >= least && payers.count <= 50 else { return nil }
            return payers
        }
        func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }
        // A block's seed needs one recipient fewer than a block: one of its recipients may be paid
        // by many others too (a layer member that also takes card payments), which the block itself
        // may include once grown.
        let seedShare = max(2, least - 1)
        var keys: [UInt64] = []
        for recipient in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            guard let payers = payers(of: recipient) else { continue }
            for i in 0..<payers.count {
                for j in (i + 1)..<payers.count { keys.append(key(payers[i], payers[j])) }
            }
        }
        keys.sort()
        var frequent = Set<UInt64>()
        var run = 0
        for (position, value) in keys.enumerated() {
            run = position > 0 && keys[position - 1] == value ? run + 1 : 1
            if run == seedShare { frequent.insert(value) }
        }
        keys = []
        var shared: [UInt64: [Int32]] = [:]
        for recipient in 0..<Int32(truncatingIfNeeded: graph.accountCount) where !frequent.isEmpty {
            guard let payers = payers(of: recipient) else { continue }
            for i in 0..<payers.count {
                for j in (i + 1)..<payers.count where frequent.contains(key(payers[i], payers[j])) {
                    shared[key(payers[i], payers[j]), default: []].append(recipient)
                }
            }
        }
        // Grow blocks from sender pairs that share enough recipients.
        var blocks: [Block] = []
        var claimed = Set<Int32>()
        for (packed, recipients) in shared.sorted(by: { $0.key < $1.key }) {
            let pair = Pair(Int32(bitPattern: UInt32(truncatingIfNeeded: packed >> 32)), Int32(bitPattern: UInt32(truncatingIfNeeded: packed)))
            guard !claimed.contains(pair.a) && !claimed.contains(pair.b) else { continue }
            let core = Set(recipients)
            var senders: Set<Int32> = [pair.a, pair.b]
            // Other payers of these recipients that pay at least `least` of them.
            var candidates: [Int32: Int] = [:]
            for recipient in core {
                for payer in Set(graph.credits(recipient).map({ graph.from[Int($0)] })) { candidates[payer, default: 0] += 1 }
            }
            for (payer, count) in candidates where count >= min(least, core.count) { senders.insert(payer) }
            guard senders.count >= least else { continue }
            // The recipients paid by at least `least` of the senders, and the moves between them
            // in the busiest window.
            var paidBy: [Int32: Set<Int32>] = [:]
            for sender in senders {
                for debit in graph.debits(sender) { paidBy[graph.to[Int(debit)], default: []].insert(sender) }
            }
            let group = Set(paidBy.filter { $0.value.count >= least && !senders.contains($0.key) }.keys)
            guard group.count >= least else { continue }
            var all: [Int32] = []
            for sender in senders {
                for debit in graph.debits(sender) where group.contains(graph.to[Int(debit)]) { all.append(debit) }
            }
            all.sort()
            var best = 0..<0
            var low = 0
            for high in all.indices {
                while graph.time[Int(all[high])] - graph.time[Int(all[low])] > window { low += 1 }
                if high + 1 - low > best.count { best = low..<(high + 1) }
            }
            let moves = Array(all[best])
            let pairs = Set(moves.map { Pair(graph.from[Int($0)], graph.to[Int($0)]) })
            let payers = Set(pairs.map(\.a))
            let payees = Set(pairs.map(\.b))
            // Dense: most payer–payee pairs are paid within the window.
            guard payers.count >= least, payees.count >= least, Double(pairs.count) >= 0.75 * Double(payers.count * payees.count) else { continue }
            senders = payers
            let recipientsInBlock = payees
            claimed.formUnion(senders)
            blocks.append(Block(senders: senders.sorted(), recipients: recipientsInBlock.sorted(), transactions: moves))
        }
        return blocks
    }

    struct Pair: Hashable, Comparable {
        let a: Int32
        let b: Int32
        init(_ a: Int32, _ b: Int32) {
            self.a = a
            self.b = b
        }
        static func < (lhs: Pair, rhs: Pair) -> Bool { lhs.a != rhs.a ? lhs.a < rhs.a : lhs.b < rhs.b }
    }

    func alert(for block: Block) -> TypologyAlert {
        var explanation = [
            "\(block.senders.count) accounts (\(block.senders.map(name).joined(separator: ", "))) each paid most of the same \(block.recipients.count) accounts (\(block.recipients.map(name).joined(separator: ", "))) within \(parameters.windowDays) days"
        ]
        explanation += block.transactions.map(line)
        return alert(.bipartite, focus: block.senders[0], accounts: block.senders + block.recipients, transactions: block.transactions, explanation: explanation)
    }

    /// Bipartite blocks chained: the recipients of one are the payers of the next, soon after.
    func stacks(_ blocks: [Block]) -> ([TypologyAlert], Set<Int>) {
        var alerts: [TypologyAlert] = []
        var used = Set<Int>()
        for (i, upper) in blocks.enumerated() where !used.contains(i) {
            for (j, lower) in blocks.enumerated() where j != i && !used.contains(j) {
                let middle = Set(upper.recipients).intersection(lower.senders)
                guard middle.count >= parameters.minGroup, let end = upper.transactions.last, let next = lower.transactions.first,
                    next > end || graph.time[Int(next)] >= graph.time[Int(end)],
                    graph.time[Int(lower.transactions.last!)] - graph.time[Int(upper.transactions.first!)] <= window * 2
                else { continue }
                used.formUnion([i, j])
                var explanation = [
                    "three layers: \(upper.senders.count) accounts paid \(upper.recipients.count) accounts, which then paid \(lower.recipients.count) accounts, within \(parameters.windowDays * 2) days",
                    "first layer: \(upper.senders.map(name).joined(separator: ", "))",
                    "second layer: \(upper.recipients.map(name).joined(separator: ", "))",
                    "third layer: \(lower.recipients.map(name).joined(separator: ", "))",
                ]
                explanation += (upper.transactions + lower.transactions).map(line)
                alerts.append(
                    alert(
                        .stack, focus: upper.senders[0], accounts: upper.senders + upper.recipients + lower.senders + lower.recipients,
                        transactions: upper.transactions + lower.transactions, explanation: explanation))
                break
            }
        }
        return (alerts, used)
    }

    // MARK: Cycles and round trips

    /// Paths from an account that pass on `minForwardShare`–`maxForwardShare` of each amount to the
    /// next account, within the window (in time order unless `timeOrderedCycles` is off).
    /// `accept` says whether a path ending at an account is a finding; `proceed` whether to go on.
    private func chains(
        from start: Int32, ordered: Bool, span: Int64, quietIntermediaries: Bool = false, accept: ([Int32], [Int32]) -> Bool,
        proceed: (Int32) -> Bool
    ) -> [([Int32], [Int32])] {
        var found: [([Int32], [Int32])] = []
        var path: [Int32] = [start]
        var hops: [Int32] = []
        var onPath: Set<Int32> = [start]
        var lowest = Int64.max
        var highest = Int64.min
        func extend(_ account: Int32) {
            guard found.count < 20 else { return }
            var firstOnward: Int32?
            if quietIntermediaries, let previous = hops.last {
                let arrived = graph.time[Int(previous)]
                let onward = graph.debits(account).filter { $0 > previous && graph.time[Int($0)] - arrived <= window }
                guard onward.count <= parameters.maxIntermediaryPayments else { return }
                // The money goes on with the intermediary's first payment after it arrived that
                // passes on the share. When it paid something else first, that payment still counts
                // if a payment of its size is rare for it: the chance that one of its payments up to
                // that one falls in the band, at the share of its other payments that do, is at most
                // `intermediaryChance`.
                let received = graph.amount[Int(previous)]
                guard let match = onward.firstIndex(where: { withinShare(graph.amount[Int($0)], of: received) && graph.currency[Int($0)] == graph.currency[Int(previous)] })
                else { return }
                if match > 0 {
                    let all = graph.debits(account)
                    let inBand = all.filter { withinShare(graph.amount[Int($0)], of: received) }.count - 1
                    let share = Double(inBand) / Double(max(all.count - 1, 1))
                    guard 1 - pow(1 - share, Double(match + 1)) <= parameters.intermediaryChance else { return }
                }
                firstOnward = onward[match]
            }
            for next in graph.debits(account) {
                // Through a quiet intermediary, the money goes on with its first payment after it arrived.
                if let firstOnward, next != firstOnward { continue }
                let time = graph.time[Int(next)]
                if let previous = hops.last {
                    if ordered && next <= previous { continue }
                    guard graph.currency[Int(next)] == graph.currency[Int(previous)],
                        withinShare(graph.amount[Int(next)], of: graph.amount[Int(previous)]),
                        !ordered || funds(previous, fund: next)
                    else { continue }
                }
                let low = min(lowest, time)
                let high = max(highest, time)
                guard high - low <= span else { continue }
                let target = graph.to[Int(next)]
                let savedLow = lowest
                let savedHigh = highest
                lowest = low
                highest = high
                hops.append(next)
                path.append(target)
                if accept(path, hops) {
                    found.append((path, hops))
                } else if !onPath.contains(target) && hops.count < parameters.maxCycleLength && proceed(target) {
                    onPath.insert(target)
                    extend(target)
                    onPath.remove(target)
                }
                path.removeLast()
                hops.removeLast()
                lowest = savedLow
                highest = savedHigh
            }
        }
        extend(start)
        return found
    }

    /// Cycles of 3 to `maxCycleLength` accounts, each reported once (from the account whose payment
    /// starts it, when hops are in time order).
    func cycles() -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        var seen = Set<[Int32]>()
        for start in 0..<Int32(truncatingIfNeeded: graph.accountCount) where !graph.debits(start).isEmpty && !graph.credits(start).isEmpty {
            let found = chains(
                from: start, ordered: parameters.timeOrderedCycles, span: window,
                accept: { path, _ in path.count >= 4 && path.last == start },
                proceed: { parameters.timeOrderedCycles || $0 > start })
            for (path, hops) in found {
                let members = Array(path.dropLast())
                let countries = Set(members.compactMap { graph.accounts[Int($0)].country })
                // A cycle through another country is round-tripping (reported by ``roundTrips()``).
                guard countries.count <= 1, seen.insert(hops.sorted()).inserted else { continue }
                var explanation = [
                    "funds went round \(members.count) accounts and came back to \(name(start)), each passing on \(Int(parameters.minForwardShare * 100))–\(Int(parameters.maxForwardShare * 100)) % of what it got"
                ]
                explanation += hops.map(line)
                alerts.append(alert(.cycle, focus: start, accounts: members, transactions: hops, explanation: explanation))
            }
        }
        return alerts
    }

    /// Funds that leave a country through foreign accounts and come back: to the account they left
    /// (a cycle that crosses a border is a round trip, not a cycle), or to another account there
    /// after at least two foreign accounts.
    func roundTrips() -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        var seen = Set<[Int32]>()
        for start in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            guard let home = graph.accounts[Int(start)].country, !graph.debits(start).isEmpty else { continue }
            let found = chains(
                from: start, ordered: true, span: window, quietIntermediaries: true,
                accept: { path, _ in
                    // Back to the same account through any foreign account, or to another account at
                    // home through at least two (one foreign payee and back is ordinary trade).
                    guard path.count >= 3, let last = path.last, graph.accounts[Int(last)].country == home else { return false }
                    let abroad = path.dropFirst().dropLast().filter { graph.accounts[Int($0)].country.map { $0 != home } ?? false }.count
                    return last == start ? abroad >= 1 : abroad >= 2
                },
                proceed: { account in
                    // Abroad, or still at home only at the start: a domestic detour is not a round trip.
                    graph.accounts[Int(account)].country.map { $0 != home } ?? false
                })
            for (path, hops) in found {
                guard seen.insert(hops.sorted()).inserted else { continue }
                let abroad = path.dropFirst().dropLast().compactMap { graph.accounts[Int($0)].country }
                var explanation = [
                    "funds left \(home) from \(name(start)), passed through \(Array(Set(abroad)).sorted().joined(separator: ", ")) and came back to \(path.last! == start ? "the same account" : name(path.last!)) in \(home), each hop passing on \(Int(parameters.minForwardShare * 100))–\(Int(parameters.maxForwardShare * 100)) %"
                ]
                explanation += hops.map(line)
                alerts.append(alert(.roundTripping, focus: start, accounts: path, transactions: hops, explanation: explanation))
            }
        }
        return alerts
    }

    // MARK: Structuring and pass-through

    /// At least `minStructuredAmounts` amounts just below the reporting threshold into, or out of,
    /// one account within the window.
    func structuring() -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        var bands: [UInt16: ClosedRange<Int64>] = [:]
        for (index, currency) in graph.currencies.enumerated() {
            guard let threshold = parameters.reportingThresholds[currency.code] else { continue }
            var unit: Int64 = 1
            for _ in 0..<currency.minorUnits { unit *= 10 }
            let top = threshold * unit
            bands[UInt16(truncatingIfNeeded: index)] = Int64.share(of: top, parameters.belowThresholdShare, .up)...(top - 1)
        }
        guard !bands.isEmpty else { return [] }
        for account in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            for outgoing in [false, true] {
                let near = (outgoing ? graph.debits(account) : graph.credits(account)).filter {
                    bands[graph.currency[Int($0)]]?.contains(graph.amount[Int($0)]) ?? false
                }
                guard near.count >= parameters.minStructuredAmounts else { continue }
                var start = 0
                var end = 0
                while end < near.count {
                    while graph.time[Int(near[end])] - graph.time[Int(near[start])] > window { start += 1 }
                    if end - start + 1 >= parameters.minStructuredAmounts {
                        var last = end
                        while last + 1 < near.count && graph.time[Int(near[last + 1])] - graph.time[Int(near[start])] <= window { last += 1 }
                        let moves = Array(near[start...last])
                        let currency = graph.currencies[Int(graph.currency[Int(moves[0])])]
                        let threshold = parameters.reportingThresholds[currency.code] ?? 0
                        let others = moves.map { outgoing ? graph.to[Int($0)] : graph.from[Int($0)] }
                        var explanation = [
                            "\(moves.count) amounts \(outgoing ? "paid out of" : "paid into") \(name(account)) within \(parameters.windowDays) days, each just below the \(currency.code) \(threshold) reporting threshold (\(Int(parameters.belowThresholdShare * 100)) % or more of it)"
                        ]
                        explanation += moves.map(line)
                        alerts.append(alert(.structuring, focus: account, accounts: others, transactions: moves, explanation: explanation))
                        start = last + 1
                        end = last + 1
                        continue
                    }
                    end += 1
                }
            }
        }
        return alerts
    }

    /// Accounts that, again and again, pass on almost all they receive within `passThroughHours`,
    /// more often than the account's own payments would match by chance.
    func passThroughs() -> [TypologyAlert] {
        var alerts: [TypologyAlert] = []
        let limit = Int64(parameters.passThroughHours) * 3600
        for account in 0..<Int32(truncatingIfNeeded: graph.accountCount) {
            let credits = graph.credits(account)
            let debits = graph.debits(account)
            guard credits.count >= parameters.minPassThroughs && debits.count >= parameters.minPassThroughs else { continue }
            var used = Set<Int32>()
            var events: [(Int32, [Int32])] = []
            // Regular income passed on to a regular payee (rent in, rent out) is not laundering.
            let senders = counterpartyCounts(account, outgoing: false)
            let payees = counterpartyCounts(account, outgoing: true)
            let regular = parameters.regularCounterpartyPayments
            for credit in credits where senders[graph.from[Int(credit)], default: 0] < regular {
                let received = graph.amount[Int(credit)]
                let sender = graph.from[Int(credit)]
                // The first debit after the credit that passes on the share. (Splits into several
                // debits are not combined: for a busy account some combination always fits.)
                var onward: [Int32] = []
                var total: Int64 = 0
                for debit in debits where debit > credit && !used.contains(debit) {
                    guard graph.time[Int(debit)] - graph.time[Int(credit)] <= limit else { break }
                    guard graph.to[Int(debit)] != sender, graph.currency[Int(debit)] == graph.currency[Int(credit)],
                        payees[graph.to[Int(debit)], default: 0] < regular
                    else { continue }
                    if withinShare(graph.amount[Int(debit)], of: received) && funds(credit, fund: debit) {
                        onward = [debit]
                        total = graph.amount[Int(debit)]
                        break
                    }
                }
                guard !onward.isEmpty, withinShare(total, of: received) else { continue }
                used.formUnion(onward)
                events.append((credit, onward))
            }
            guard events.count >= parameters.minPassThroughs else { continue }
            // How many such matches chance would give: for each credit, the debits whose amounts
            // would fit it, each falling in the hours after it with probability hours / span.
            var expected = 0.0
            let amounts = debits.map { graph.amount[Int($0)] }.sorted()
            for credit in credits {
                let low = Int64.share(of: graph.amount[Int(credit)], parameters.minForwardShare, .up)
                let high = Int64.share(of: graph.amount[Int(credit)], parameters.maxForwardShare, .down)
                let fitting = Self.count(amounts, in: low...max(low, high))
                expected += Double(fitting) * Double(limit) / Double(max(span, limit))
            }
            // A busy account's payments match its receipts by chance too often for timing alone
            // to single out a mule among them.
            guard expected < 1 else { continue }
            let chance = Self.poissonTail(atLeast: events.count, mean: expected)
            guard chance <= parameters.passThroughProbability else { continue }
            let moves = events.flatMap { [$0.0] + $0.1 }
            let others = events.flatMap { [graph.from[Int($0.0)]] + $0.1.map { graph.to[Int($0)] } }
            var explanation = [
                "\(name(account)) passed on \(Int(parameters.minForwardShare * 100))–\(Int(parameters.maxForwardShare * 100)) % of what it received within \(parameters.passThroughHours) hours, \(events.count) times (of \(credits.count) payments it received)",
                "its payments out would match its payments in that closely and that soon \(events.count) times by chance with probability \(Self.scientific(chance))",
            ]
            for (credit, onward) in events {
                explanation.append("received \(line(credit)); passed on \(onward.map(line).joined(separator: "; "))")
            }
            alerts.append(alert(.rapidPassThrough, focus: account, accounts: others, transactions: moves, explanation: explanation))
        }
        return alerts
    }
}
