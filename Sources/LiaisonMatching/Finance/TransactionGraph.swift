public import LiaisonCore
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The transactions of a case as a time-ordered multigraph of accounts, in flat arrays: a
/// transaction is an index in time order (ties in the order given), an account an index into
/// ``accounts``. Built once; tracing and typology detection read it without allocating per edge.
public struct TransactionGraph: Sendable {
    public let accounts: [FinancialAccount]
    private let accountIndex: [String: Int32]
    /// The transactions in time order.
    public let transactions: [FinancialTransaction]
    let from: [Int32]
    let to: [Int32]
    let amount: [Int64]
    /// Seconds since 1970 of each transaction.
    let time: [Int64]
    /// Index into ``currencies`` of each transaction.
    let currency: [UInt16]
    public let currencies: [Currency]
    /// `outOffsets[a]..<outOffsets[a+1]` are account a's debits in `outEdges` (transaction indexes,
    /// in time order); likewise credits in `inEdges`.
    /// The debtor's balance just before each transaction, as the data shows it (credits minus
    /// debits in the transaction's currency since the account's first transaction, never below zero).
    let balanceBefore: [Int64]
    let outOffsets: [Int32]
    let outEdges: [Int32]
    let inOffsets: [Int32]
    let inEdges: [Int32]

    /// Builds the graph.
    /// - Parameters:
    ///   - accounts: the known accounts; accounts a transaction names but this list lacks are added
    ///     with only their key.
    ///   - transactions: in any order.
    public init(accounts: [FinancialAccount], transactions: [FinancialTransaction]) {
        var list = accounts
        var index: [String: Int32] = [:]
        index.reserveCapacity(accounts.count)
        for (position, account) in accounts.enumerated() { index[account.key] = Int32(truncatingIfNeeded: position) }
        func intern(_ key: String) -> Int32 {
            if let known = index[key] { return known }
            let position = Int32(truncatingIfNeeded: list.count)
            index[key] = position
            let scheme: FinancialAccount.Scheme = key.hasPrefix("iban:") ? .iban : key.hasPrefix("domestic:") ? .domestic : .local
            list.append(FinancialAccount(key: key, scheme: scheme, identifier: String(key.split(separator: ":").last ?? Substring(key))))
            return position
        }
        let sorted = transactions.enumerated().sorted { lhs, rhs in
            lhs.element.valueAt != rhs.element.valueAt ? lhs.element.valueAt < rhs.element.valueAt : lhs.offset < rhs.offset
        }.map(\.element)
        var from: [Int32] = []
        var to: [Int32] = []
        var amount: [Int64] = []
        var time: [Int64] = []
        var currency: [UInt16] = []
        var currencies: [Currency] = []
        var currencyIndex: [String: UInt16] = [:]
        from.reserveCapacity(sorted.count)
        to.reserveCapacity(sorted.count)
        amount.reserveCapacity(sorted.count)
        time.reserveCapacity(sorted.count)
        currency.reserveCapacity(sorted.count)
        for transaction in sorted {
            from.append(intern(transaction.debtor))
            to.append(intern(transaction.creditor))
            amount.append(transaction.amount.minor)
            time.append(Int64(transaction.valueAt.timeIntervalSince1970.rounded(.down)))  // checked: dates of real transactions are within ±292 billion years
            if let known = currencyIndex[transaction.amount.currency.code] {
                currency.append(known)
            } else {
                let next = UInt16(truncatingIfNeeded: currencies.count)
                currencyIndex[transaction.amount.currency.code] = next
                currencies.append(transaction.amount.currency)
                currency.append(next)
            }
        }
        var balances: [BalanceKey: Int64] = [:]
        var before = [Int64](repeating: 0, count: sorted.count)
        for position in 0..<sorted.count {
            let debtorKey = BalanceKey(account: from[position], currency: currency[position])
            let held = balances[debtorKey, default: 0]
            before[position] = held
            balances[debtorKey] = max(0, held - amount[position])
            let creditorKey = BalanceKey(account: to[position], currency: currency[position])
            balances[creditorKey] = (balances[creditorKey] ?? 0).saturatingAdding(amount[position])
        }
        self.balanceBefore = before
        self.accounts = list
        self.accountIndex = index
        self.transactions = sorted
        self.from = from
        self.to = to
        self.amount = amount
        self.time = time
        self.currency = currency
        self.currencies = currencies
        (outOffsets, outEdges) = Self.compress(from, accounts: list.count)
        (inOffsets, inEdges) = Self.compress(to, accounts: list.count)
    }

    /// Counting sort of transaction indexes by account: offsets and the indexes, each account's in
    /// time order.
    private static func compress(_ ends: [Int32], accounts: Int) -> ([Int32], [Int32]) {
        var offsets = [Int32](repeating: 0, count: accounts + 1)
        for end in ends { offsets[Int(end) + 1] += 1 }
        for position in 0..<accounts { offsets[position + 1] += offsets[position] }
        var cursor = offsets
        var edges = [Int32](repeating: 0, count: ends.count)
        for (transaction, end) in ends.enumerated() {
            edges[Int(cursor[Int(end)])] = Int32(truncatingIfNeeded: transaction)
            cursor[Int(end)] += 1
        }
        return (offsets, edges)
    }

    private struct BalanceKey: Hashable {
        var account: Int32
        var currency: UInt16
    }

    public var accountCount: Int { accounts.count }
    public var transactionCount: Int { transactions.count }

    /// The index of the account with this key.
    public func account(_ key: String) -> Int32? { accountIndex[key] }

    /// Account a's debits, in time order.
    func debits(_ account: Int32) -> ArraySlice<Int32> {
        outEdges[Int(outOffsets[Int(account)])..<Int(outOffsets[Int(account) + 1])]
    }

    /// Account a's credits, in time order.
    func credits(_ account: Int32) -> ArraySlice<Int32> {
        inEdges[Int(inOffsets[Int(account)])..<Int(inOffsets[Int(account) + 1])]
    }

    /// The index of the transaction with this id.
    public func transaction(id: String) -> Int32? {
        transactions.firstIndex { $0.id == id }.map { Int32(truncatingIfNeeded: $0) }
    }

    /// Whether a transaction moves money between two countries (both known).
    func crossesBorder(_ transaction: Int) -> Bool {
        guard let debtor = accounts[Int(from[transaction])].country, let creditor = accounts[Int(to[transaction])].country else { return false }
        return debtor != creditor
    }
}
