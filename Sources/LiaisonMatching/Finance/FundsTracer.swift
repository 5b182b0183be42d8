public import LiaisonCore
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// How the funds leaving a mixed account are attributed to what came into it.
public enum AttributionMethod: String, Sendable, Codable, CaseIterable {
    /// First in, first out: a debit takes the oldest funds first (Clayton's Case, 1816).
    case fifo
    /// Last in, first out: a debit takes the newest funds first.
    case lifo
    /// Pro rata: a debit takes from every source in proportion to what the account holds of it
    /// (Barlow Clowes v Vaughan, 1992).
    case proRata = "pro-rata"
    /// Lowest intermediate balance rule: the account holder is deemed to spend their own money
    /// first; the traced funds left never exceed the lowest balance since they arrived, and later
    /// deposits do not replenish them (Re Hallett's Estate, 1880; Roscoe v Winder, 1915). A forward
    /// rule: it follows a claimant's funds.
    case lowestIntermediateBalance = "libr"
}

/// Where a trace starts.
public enum TraceOrigin: Sendable, Equatable {
    /// Forward: what the account paid out in the period (where did it go); backward: what it
    /// received in the period (where did it come from).
    case account(String, from: Date? = nil, to: Date? = nil)
    /// Forward: the transaction's amount as it reaches the creditor; backward: as it leaves the debtor.
    case transaction(String)
}

/// One transaction's share in a trace.
public struct TraceFlow: Sendable, Equatable, Codable {
    public var transaction: FinancialTransaction
    /// The part of the transaction's amount attributed to the traced funds.
    public var attributed: Money
    /// Hops from the origin (1 for the first transfer).
    public var depth: Int
    public var crossBorder: Bool
    public var debtorCountry: String?
    public var creditorCountry: String?
}

/// An account where traced funds end: still held there at the end of the data, reached at the
/// depth limit, or (backward) funds whose source the data does not show.
public struct TraceEndPoint: Sendable, Equatable, Codable {
    public var account: FinancialAccount
    public var amount: Money
    public var reason: Reason
    public var depth: Int

    public enum Reason: String, Sendable, Codable {
        /// Forward: the traced funds are still in this account at the end of the data.
        case held
        /// Forward: reached at the depth limit and not followed further.
        case depthLimit = "depth-limit"
        /// Backward: the account that originally provided the funds at the depth limit.
        case source
        /// Backward: the account paid out more than the data shows coming in; the rest came from
        /// funds before the data (an opening balance) or outside it.
        case unexplained
        /// Pieces smaller than ``FundsTracer/negligibleShare`` of the traced amount, not followed
        /// further: under pro rata, cents of the traced money would otherwise be followed into
        /// every account a busy one pays.
        case negligible
    }
}

/// A trace's result: the flows, the end points and their totals.
public struct FundsTrace: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable, CaseIterable {
        case forward
        case backward
    }

    public var direction: Direction
    public var method: AttributionMethod
    public var maxDepth: Int
    /// The amount traced from the origin.
    public var traced: Money
    public var flows: [TraceFlow]
    public var endPoints: [TraceEndPoint]
    /// Countries the traced funds pass through, in the order first met.
    public var jurisdictions: [String]
    /// Transactions in another currency than the traced funds at accounts the trace passes through:
    /// not followed (no exchange rate is assumed).
    public var otherCurrencyTransactions: Int

    public var crossBorderFlows: Int { flows.filter(\.crossBorder).count }
}

/// Follows funds through a ``TransactionGraph`` forward (where did it go) or backward (where did
/// it come from), attributing amounts in mixed accounts by the chosen ``AttributionMethod``.
///
/// Paths respect time: funds leave an account only by a debit after they arrived. Balances come
/// from the data: an account that pays out more than the data shows coming in is deemed to have
/// used funds from before or outside the data, which are not traced funds.
public struct FundsTracer: Sendable {
    public let graph: TransactionGraph
    /// The smallest piece followed, as a share of the amount traced so far (1 in 1,000); smaller
    /// pieces end where they are, reported as negligible.
    public static let negligibleShare: Int64 = 1_000

    public init(graph: TransactionGraph) {
        self.graph = graph
    }

    /// A lot of money in an account: its amount and, forward, its hop count from the origin (-1 for
    /// funds that are not traced); backward, the credit it came in with (-1 for unknown).
    struct Lot {
        var amount: Int64
        var tag: Int32
    }

    /// Takes `amount` from `lots` by the method; returns the portions taken (tag, amount) and leaves
    /// the rest. Anything beyond the lots' total is not returned (it was not there).
    static func take(_ amount: Int64, from lots: inout [Lot], method: AttributionMethod, untraced: Int32 = -1) -> [Lot] {
        var remaining = amount
        var taken: [Lot] = []
        func drain(_ order: [Int]) {
            for position in order where remaining > 0 {
                let part = min(remaining, lots[position].amount)
                guard part > 0 else { continue }
                lots[position].amount -= part
                remaining -= part
                taken.append(Lot(amount: part, tag: lots[position].tag))
            }
        }
        switch method {
        case .fifo: drain(Array(lots.indices))
        case .lifo: drain(Array(lots.indices.reversed()))
        case .lowestIntermediateBalance:
            drain(lots.indices.filter { lots[$0].tag == untraced } + lots.indices.filter { lots[$0].tag != untraced })
        case .proRata:
            let total = lots.reduce(Int64(0)) { $0.saturatingAdding($1.amount) }
            guard total > 0 else { break }
            let share = min(amount, total)
            // Largest-remainder rounding, so that the parts add up to the share exactly.
            var parts: [(position: Int, part: Int64, remainder: UInt64)] = []
            var assigned: Int64 = 0
            for position in lots.indices where lots[position].amount > 0 {
                let (quotient, remainder) = scaled(lots[position].amount, by: share, over: total)
                parts.append((position, quotient, remainder))
                assigned += quotient
            }
            var left = share - assigned
            for index in parts.indices.sorted(by: { parts[$0].remainder > parts[$1].remainder }) where left > 0 {
                parts[index].part += 1
                left -= 1
            }
            for entry in parts where entry.part > 0 {
                lots[entry.position].amount -= entry.part
                taken.append(Lot(amount: entry.part, tag: lots[entry.position].tag))
            }
        }
        lots.removeAll { $0.amount == 0 }
        return taken
    }

    /// `value × numerator / denominator` without overflow, and the remainder.
    static func scaled(_ value: Int64, by numerator: Int64, over denominator: Int64) -> (Int64, UInt64) {
        let product = value.magnitude.multipliedFullWidth(by: numerator.magnitude)
        let (quotient, remainder) = denominator.magnitude.dividingFullWidth(product)
        return (Int64(truncatingIfNeeded: quotient), remainder)
    }

    /// Traces forward: where the origin's funds went.
    /// - Throws: ``LiaisonError`` `.notFound` for an unknown account or transaction, `.invalidInput`
    ///   for a depth outside 1…20.
    public func forward(from origin: TraceOrigin, method: AttributionMethod, maxDepth: Int) throws(LiaisonError) -> FundsTrace {
        try Self.checkDepth(maxDepth)
        let count = graph.transactionCount
        var lots: [Int32: [Lot]] = [:]
        var scheduled = [Bool](repeating: false, count: count)
        var queue = MinHeap()
        var flowsByTransaction: [Int32: (amount: Int64, depth: Int)] = [:]
        var limitReached: [Int32: Int64] = [:]
        var negligible: [Int32: Int64] = [:]
        var otherCurrency = Set<Int32>()
        let traceCurrency: UInt16
        var traced: Int64 = 0
        /// The transaction after which the origin's funds are followed, and what seeds it.
        var originAccount: Int32?
        var window: ClosedRange<Int64> = Int64.min...Int64.max

        /// Puts a lot into a followed account. Pro rata and the lowest intermediate balance do not
        /// care in which order funds arrived, so lots of one kind are merged: an account paid
        /// thousands of times holds a handful of lots, not thousands (each payment out would
        /// otherwise split every one of them).
        let merges = method == .proRata || method == .lowestIntermediateBalance
        func deposit(_ lot: Lot, into account: Int32) {
            guard lots[account] != nil else { return }
            if merges, let index = lots[account]!.firstIndex(where: { $0.tag == lot.tag }) {
                lots[account]![index].amount = lots[account]![index].amount.saturatingAdding(lot.amount)
            } else if let last = lots[account]!.indices.last, lots[account]![last].tag == lot.tag {
                // In FIFO and LIFO a lot next to one of the same kind is the same as one larger lot.
                lots[account]![last].amount = lots[account]![last].amount.saturatingAdding(lot.amount)
            } else {
                lots[account]!.append(lot)
            }
        }

        /// Starts following an account: its funds from its history before `position` (not
        /// traced), and its transactions after `position` scheduled.
        func activate(_ account: Int32, at position: Int32, includingPosition: Bool = false) {
            guard lots[account] == nil else { return }
            // Funds the account held before: replayed from its history, never below zero.
            var balance: Int64 = 0
            var index = graph.inOffsets[Int(account)]
            var outIndex = graph.outOffsets[Int(account)]
            let inEnd = graph.inOffsets[Int(account) + 1]
            let outEnd = graph.outOffsets[Int(account) + 1]
            while true {
                let nextIn = index < inEnd ? graph.inEdges[Int(index)] : Int32.max
                let nextOut = outIndex < outEnd ? graph.outEdges[Int(outIndex)] : Int32.max
                let next = min(nextIn, nextOut)
                guard next < position else { break }
                if graph.currency[Int(next)] == traceCurrency {
                    if next == nextIn { balance = balance.saturatingAdding(graph.amount[Int(next)]) } else { balance = max(0, balance - graph.amount[Int(next)]) }
                }
                if next == nextIn { index += 1 } else { outIndex += 1 }
            }
            lots[account] = balance > 0 ? [Lot(amount: balance, tag: -1)] : []
            let first = includingPosition ? position : position + 1
            for transaction in graph.credits(account) where transaction >= first && !scheduled[Int(transaction)] {
                scheduled[Int(transaction)] = true
                queue.push(transaction)
            }
            for transaction in graph.debits(account) where transaction >= first && !scheduled[Int(transaction)] {
                scheduled[Int(transaction)] = true
                queue.push(transaction)
            }
        }

        switch origin {
        case .transaction(let id):
            guard let start = graph.transaction(id: id) else { throw LiaisonError(.notFound, "no transaction '\(id)' in the case") }
            traceCurrency = graph.currency[Int(start)]
            traced = graph.amount[Int(start)]
            let creditor = graph.to[Int(start)]
            scheduled[Int(start)] = true
            activate(creditor, at: start)
            // The origin transaction itself: its whole amount is traced, arriving at depth 1.
            lots[creditor, default: []].append(Lot(amount: traced, tag: 1))
            flowsByTransaction[start] = (traced, 1)
            if maxDepth == 1 {
                limitReached[creditor] = traced
                lots[creditor] = lots[creditor]!.map { Lot(amount: $0.amount, tag: $0.tag == 1 ? -2 : $0.tag) }
            }
        case .account(let key, let fromDate, let toDate):
            guard let account = graph.account(key) else { throw LiaisonError(.notFound, "no account '\(key)' in the case") }
            window = (fromDate.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? Int64.min)...(toDate.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? Int64.max)  // checked: real dates
            guard let first = graph.debits(account).first(where: { window.contains(graph.time[Int($0)]) }) else {
                throw LiaisonError(.invalidInput, "account \(graph.accounts[Int(account)].identifier) paid nothing out in the period to trace")
            }
            traceCurrency = graph.currency[Int(first)]
            originAccount = account
            activate(account, at: first, includingPosition: true)
        }

        while let position = queue.pop() {
            let index = Int(position)
            guard graph.currency[index] == traceCurrency else {
                otherCurrency.insert(position)
                continue
            }
            let debtor = graph.from[index]
            let creditor = graph.to[index]
            let value = graph.amount[index]
            var incoming: [Lot] = []
            if debtor == originAccount && window.contains(graph.time[index]) {
                // A payment out of the origin account in the period: traced whole. What of it is
                // traced funds come back (a cycle) keeps its hops; the rest is traced from hop 0.
                let taken = lots[debtor] != nil ? Self.take(value, from: &lots[debtor]!, method: method).filter { $0.tag >= 0 } : []
                let fresh = value - taken.reduce(0) { $0.saturatingAdding($1.amount) }
                incoming = taken + (fresh > 0 ? [Lot(amount: fresh, tag: 0)] : [])
                traced = traced.saturatingAdding(fresh)
            } else if lots[debtor] != nil {
                incoming = Self.take(value, from: &lots[debtor]!, method: method)
            }
            var tracedHere: Int64 = 0
            var depthHere = Int.max
            let untraced = value - incoming.reduce(0) { $0.saturatingAdding($1.amount) }
            for lot in incoming {
                if lot.tag < 0 {
                    deposit(lot, into: creditor)
                    continue
                }
                let depth = Int(lot.tag) + 1
                tracedHere = tracedHere.saturatingAdding(lot.amount)
                depthHere = min(depthHere, depth)
                if depth >= maxDepth {
                    limitReached[creditor] = (limitReached[creditor] ?? 0).saturatingAdding(lot.amount)
                    // Held, but not followed further.
                    deposit(Lot(amount: lot.amount, tag: -2), into: creditor)
                } else if lot.amount < traced / Self.negligibleShare {
                    negligible[creditor] = (negligible[creditor] ?? 0).saturatingAdding(lot.amount)
                    deposit(Lot(amount: lot.amount, tag: -2), into: creditor)
                } else {
                    activate(creditor, at: position)
                    deposit(Lot(amount: lot.amount, tag: Int32(truncatingIfNeeded: depth)), into: creditor)
                }
            }
            if tracedHere > 0 {
                let earlier = flowsByTransaction[position]
                flowsByTransaction[position] = ((earlier?.amount ?? 0).saturatingAdding(tracedHere), min(earlier?.depth ?? Int.max, depthHere))
            }
            if untraced > 0 { deposit(Lot(amount: untraced, tag: -1), into: creditor) }
        }

        let currency = graph.currencies[Int(traceCurrency)]
        var endPoints: [TraceEndPoint] = []
        for (account, held) in lots {
            let inTrace = held.filter { $0.tag >= 0 }
            let amount = inTrace.reduce(Int64(0)) { $0.saturatingAdding($1.amount) }
            guard amount > 0 else { continue }
            endPoints.append(
                TraceEndPoint(
                    account: graph.accounts[Int(account)], amount: Money(minor: amount, currency: currency), reason: .held,
                    depth: Int(inTrace.map(\.tag).min() ?? 0)))
        }
        for (account, amount) in limitReached where amount > 0 {
            endPoints.append(
                TraceEndPoint(account: graph.accounts[Int(account)], amount: Money(minor: amount, currency: currency), reason: .depthLimit, depth: maxDepth))
        }
        for (account, amount) in negligible where amount > 0 {
            endPoints.append(TraceEndPoint(account: graph.accounts[Int(account)], amount: Money(minor: amount, currency: currency), reason: .negligible, depth: 0))
        }
        var otherCurrencyTouching = 0
        for position in otherCurrency where lots[graph.from[Int(position)]] != nil { otherCurrencyTouching += 1 }
        return finish(
            direction: .forward, method: method, maxDepth: maxDepth, traced: Money(minor: traced, currency: currency),
            flows: flowsByTransaction, endPoints: endPoints, otherCurrency: otherCurrencyTouching)
    }

    /// Traces backward: where the funds that left the origin came from. FIFO, LIFO and pro rata
    /// apply in reverse as they do forward: each debit is made of the credits the method says it
    /// took, and each of those credits of what its debtor's debit took in turn.
    /// - Throws: ``LiaisonError`` `.notFound` for an unknown account or transaction, `.invalidInput`
    ///   for a depth outside 1…20 or the lowest intermediate balance rule (a forward rule).
    public func backward(from origin: TraceOrigin, method: AttributionMethod, maxDepth: Int) throws(LiaisonError) -> FundsTrace {
        try Self.checkDepth(maxDepth)
        guard method != .lowestIntermediateBalance else {
            throw LiaisonError(
                .invalidInput,
                "the lowest intermediate balance rule follows a claimant's funds forward; trace forward from the deposit, or trace backward by fifo, lifo or pro-rata")
        }
        var starts: [Int32] = []
        switch origin {
        case .transaction(let id):
            guard let start = graph.transaction(id: id) else { throw LiaisonError(.notFound, "no transaction '\(id)' in the case") }
            starts = [start]
        case .account(let key, let fromDate, let toDate):
            guard let account = graph.account(key) else { throw LiaisonError(.notFound, "no account '\(key)' in the case") }
            let low = fromDate.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? Int64.min  // checked: real dates
            let high = toDate.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? Int64.max  // checked: real dates
            starts = graph.credits(account).filter { (low...high).contains(graph.time[Int($0)]) }
            guard !starts.isEmpty else {
                throw LiaisonError(.invalidInput, "account \(graph.accounts[Int(account)].identifier) received nothing in the period to trace")
            }
        }
        let traceCurrency = graph.currency[Int(starts[0])]
        starts = starts.filter { graph.currency[Int($0)] == traceCurrency }
        var compositions: [Int32: [Int32: [Lot]]] = [:]
        var flows: [Int32: (amount: Int64, depth: Int)] = [:]
        var sources: [Int32: (amount: Int64, depth: Int)] = [:]
        var unexplained: [Int32: (amount: Int64, depth: Int)] = [:]
        var negligible: [Int32: Int64] = [:]
        var otherCurrency = 0
        var traced: Int64 = 0

        /// What each debit of `account` was made of: credits (by index) and amounts; -1 for funds
        /// the data does not show arriving.
        func composition(of account: Int32) -> [Int32: [Lot]] {
            if let known = compositions[account] { return known }
            var lots: [Lot] = []
            var result: [Int32: [Lot]] = [:]
            var inIndex = graph.inOffsets[Int(account)]
            var outIndex = graph.outOffsets[Int(account)]
            let inEnd = graph.inOffsets[Int(account) + 1]
            let outEnd = graph.outOffsets[Int(account) + 1]
            while inIndex < inEnd || outIndex < outEnd {
                let nextIn = inIndex < inEnd ? graph.inEdges[Int(inIndex)] : Int32.max
                let nextOut = outIndex < outEnd ? graph.outEdges[Int(outIndex)] : Int32.max
                if nextIn < nextOut {
                    if graph.currency[Int(nextIn)] == traceCurrency { lots.append(Lot(amount: graph.amount[Int(nextIn)], tag: nextIn)) }
                    inIndex += 1
                } else {
                    if graph.currency[Int(nextOut)] == traceCurrency {
                        let value = graph.amount[Int(nextOut)]
                        var parts = Self.take(value, from: &lots, method: method, untraced: -1)
                        let covered = parts.reduce(Int64(0)) { $0.saturatingAdding($1.amount) }
                        if covered < value { parts.append(Lot(amount: value - covered, tag: -1)) }
                        result[nextOut] = parts
                    }
                    outIndex += 1
                }
            }
            compositions[account] = result
            return result
        }

        // Level by level, so that amounts reaching the same credit along several paths are
        // attributed once: the work is bounded by the transactions, not the paths.
        var level: [Int32: Int64] = [:]
        for start in starts {
            let value = graph.amount[Int(start)]
            traced = traced.saturatingAdding(value)
            level[start] = (level[start] ?? 0).saturatingAdding(value)
            flows[start] = ((flows[start]?.amount ?? 0).saturatingAdding(value), 1)
        }
        var depth = 1
        while !level.isEmpty {
            if depth >= maxDepth {
                for (transaction, amount) in level {
                    let source = graph.from[Int(transaction)]
                    sources[source] = ((sources[source]?.amount ?? 0).saturatingAdding(amount), maxDepth)
                }
                break
            }
            var next: [Int32: Int64] = [:]
            for transaction in level.keys.sorted() {
                let amount = level[transaction]!
                let debtor = graph.from[Int(transaction)]
                var parts = composition(of: debtor)[transaction] ?? []
                if amount != graph.amount[Int(transaction)] {
                    var lots = parts
                    parts = Self.take(amount, from: &lots, method: .proRata)
                }
                for part in parts where part.amount > 0 {
                    if part.amount < traced / Self.negligibleShare {
                        negligible[debtor] = (negligible[debtor] ?? 0).saturatingAdding(part.amount)
                        continue
                    }
                    guard part.tag >= 0 else {
                        let earlier = unexplained[debtor]
                        unexplained[debtor] = ((earlier?.amount ?? 0).saturatingAdding(part.amount), min(earlier?.depth ?? Int.max, depth))
                        continue
                    }
                    next[part.tag] = (next[part.tag] ?? 0).saturatingAdding(part.amount)
                    let earlier = flows[part.tag]
                    flows[part.tag] = ((earlier?.amount ?? 0).saturatingAdding(part.amount), min(earlier?.depth ?? Int.max, depth + 1))
                }
            }
            level = next
            depth += 1
        }
        for account in compositions.keys {
            otherCurrency += graph.debits(account).filter { graph.currency[Int($0)] != traceCurrency }.count
        }
        let currency = graph.currencies[Int(traceCurrency)]
        var endPoints: [TraceEndPoint] = sources.map { account, entry in
            TraceEndPoint(account: graph.accounts[Int(account)], amount: Money(minor: entry.amount, currency: currency), reason: .source, depth: entry.depth)
        }
        endPoints += negligible.map { account, amount in
            TraceEndPoint(account: graph.accounts[Int(account)], amount: Money(minor: amount, currency: currency), reason: .negligible, depth: 0)
        }
        endPoints += unexplained.map { account, entry in
            TraceEndPoint(
                account: graph.accounts[Int(account)], amount: Money(minor: entry.amount, currency: currency), reason: .unexplained, depth: entry.depth)
        }
        return finish(
            direction: .backward, method: method, maxDepth: maxDepth, traced: Money(minor: traced, currency: currency), flows: flows,
            endPoints: endPoints, otherCurrency: otherCurrency)
    }

    private func finish(
        direction: FundsTrace.Direction, method: AttributionMethod, maxDepth: Int, traced: Money, flows: [Int32: (amount: Int64, depth: Int)],
        endPoints: [TraceEndPoint], otherCurrency: Int
    ) -> FundsTrace {
        let ordered = flows.keys.sorted()
        var jurisdictions: [String] = []
        let list = ordered.map { position -> TraceFlow in
            let index = Int(position)
            let debtorCountry = graph.accounts[Int(graph.from[index])].country
            let creditorCountry = graph.accounts[Int(graph.to[index])].country
            for country in [debtorCountry, creditorCountry].compactMap({ $0 }) where !jurisdictions.contains(country) {
                jurisdictions.append(country)
            }
            return TraceFlow(
                transaction: graph.transactions[index], attributed: Money(minor: flows[position]!.amount, currency: traced.currency),
                depth: flows[position]!.depth, crossBorder: graph.crossesBorder(index), debtorCountry: debtorCountry, creditorCountry: creditorCountry)
        }
        let sortedEnds = endPoints.sorted { $0.amount.minor != $1.amount.minor ? $0.amount.minor > $1.amount.minor : $0.account.key < $1.account.key }
        return FundsTrace(
            direction: direction, method: method, maxDepth: maxDepth, traced: traced, flows: list, endPoints: sortedEnds,
            jurisdictions: jurisdictions, otherCurrencyTransactions: otherCurrency)
    }

    static func checkDepth(_ depth: Int) throws(LiaisonError) {
        guard (1...20).contains(depth) else { throw LiaisonError(.invalidInput, "depth must be 1 to 20 hops, not \(depth)") }
    }
}

/// A binary min-heap of transaction indexes (time order).
struct MinHeap {
    private var items: [Int32] = []

    mutating func push(_ item: Int32) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int32? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                guard smallest != parent else { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
