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
    /// The transactions' ids in time order, and an index by id.
    let ids: IDTable
    /// When each transaction moved, as the source gives it (``time`` is in whole seconds).
    let valueAt: [Date]
    /// UETRs and references of the transactions that have one.
    let uetrs: [Int32: String]
    let references: [Int32: String]
    /// Index into ``sourceFormats`` and the source line of each transaction.
    let sourceFormat: [UInt8]
    let sourceFormats: [String]
    let sourceLine: [Int32]
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
        let order = transactions.indices.sorted { lhs, rhs in
            transactions[lhs].valueAt != transactions[rhs].valueAt ? transactions[lhs].valueAt < transactions[rhs].valueAt : lhs < rhs
        }
        let count = order.count
        var from: [Int32] = []
        var to: [Int32] = []
        var amount: [Int64] = []
        var time: [Int64] = []
        var valueAt: [Date] = []
        var currency: [UInt16] = []
        var currencies: [Currency] = []
        var currencyIndex: [String: UInt16] = [:]
        var uetrs: [Int32: String] = [:]
        var references: [Int32: String] = [:]
        var sourceFormat: [UInt8] = []
        var sourceFormats: [String] = []
        var sourceLine: [Int32] = []
        var ids = IDTable.Builder(capacity: count)
        from.reserveCapacity(count)
        to.reserveCapacity(count)
        amount.reserveCapacity(count)
        time.reserveCapacity(count)
        valueAt.reserveCapacity(count)
        currency.reserveCapacity(count)
        sourceFormat.reserveCapacity(count)
        sourceLine.reserveCapacity(count)
        for original in order {
            let transaction = transactions[original]
            let position = Int32(truncatingIfNeeded: from.count)
            ids.append(transaction.id)
            from.append(intern(transaction.debtor))
            to.append(intern(transaction.creditor))
            amount.append(transaction.amount.minor)
            valueAt.append(transaction.valueAt)
            time.append(Int64(transaction.valueAt.timeIntervalSince1970.rounded(.down)))  // checked: dates of real transactions are within ±292 billion years
            if let known = currencyIndex[transaction.amount.currency.code] {
                currency.append(known)
            } else {
                let next = UInt16(truncatingIfNeeded: currencies.count)
                currencyIndex[transaction.amount.currency.code] = next
                currencies.append(transaction.amount.currency)
                currency.append(next)
            }
            if let uetr = transaction.uetr { uetrs[position] = uetr }
            if let reference = transaction.reference { references[position] = reference }
            if let known = sourceFormats.firstIndex(of: transaction.sourceFormat) {
                sourceFormat.append(UInt8(truncatingIfNeeded: known))
            } else {
                sourceFormat.append(UInt8(truncatingIfNeeded: min(sourceFormats.count, 255)))
                if sourceFormats.count < 256 { sourceFormats.append(transaction.sourceFormat) }
            }
            sourceLine.append(Int32(clamping: transaction.sourceLine))
        }
        let sorted = 0..<count
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
        self.ids = ids.build()
        self.valueAt = valueAt
        self.uetrs = uetrs
        self.references = references
        self.sourceFormat = sourceFormat
        self.sourceFormats = sourceFormats
        self.sourceLine = sourceLine
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
    public var transactionCount: Int { from.count }

    /// The transaction at an index (time order), as it was given.
    public func transaction(at index: Int) -> FinancialTransaction {
        let position = Int32(truncatingIfNeeded: index)
        return FinancialTransaction(
            id: ids.id(index), debtor: accounts[Int(from[index])].key, creditor: accounts[Int(to[index])].key,
            amount: Money(minor: amount[index], currency: currencies[Int(currency[index])]), valueAt: valueAt[index], uetr: uetrs[position],
            reference: references[position], sourceFormat: sourceFormats[min(Int(sourceFormat[index]), sourceFormats.count - 1)],
            sourceLine: Int(sourceLine[index]))
    }

    /// The transactions in time order, each made when read.
    public var transactions: LazyMapCollection<Range<Int>, FinancialTransaction> { (0..<transactionCount).lazy.map(transaction(at:)) }

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
    public func transaction(id: String) -> Int32? { ids.index(of: id) }

    /// Whether a transaction moves money between two countries (both known).
    func crossesBorder(_ transaction: Int) -> Bool {
        guard let debtor = accounts[Int(from[transaction])].country, let creditor = accounts[Int(to[transaction])].country else { return false }
        return debtor != creditor
    }
}

/// Strings (transaction ids) in one byte buffer, with an open-addressing hash index: for millions of
/// ids a fraction of the memory of `[String]` and `[String: Int32]`.
struct IDTable: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int]
    /// Positions + 1 (0 is empty), a power of two long, at most half full.
    private let slots: [Int32]

    struct Builder {
        private var bytes: [UInt8] = []
        private var offsets: [Int] = [0]

        init(capacity: Int) {
            offsets.reserveCapacity(capacity + 1)
            bytes.reserveCapacity(capacity * 12)
        }

        mutating func append(_ id: String) {
            bytes.append(contentsOf: id.utf8)
            offsets.append(bytes.count)
        }

        func build() -> IDTable { IDTable(bytes: bytes, offsets: offsets) }
    }

    private init(bytes: [UInt8], offsets: [Int]) {
        self.bytes = bytes
        self.offsets = offsets
        let count = offsets.count - 1
        var size = 16
        while size < count * 2 { size *= 2 }
        var slots = [Int32](repeating: 0, count: size)
        bytes.withUnsafeBufferPointer { buffer in
            for position in 0..<count {
                let id = UnsafeBufferPointer(rebasing: buffer[offsets[position]..<offsets[position + 1]])
                var slot = Self.hash(id) & (size - 1)
                var duplicate = false
                while slots[slot] != 0 {
                    let other = Int(slots[slot]) - 1
                    if id.elementsEqual(buffer[offsets[other]..<offsets[other + 1]]) {
                        duplicate = true  // the earliest transaction with an id answers for it
                        break
                    }
                    slot = (slot + 1) & (size - 1)
                }
                if !duplicate { slots[slot] = Int32(truncatingIfNeeded: position + 1) }
            }
        }
        self.slots = slots
    }

    /// FNV-1a.
    private static func hash(_ bytes: some Sequence<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    func id(_ position: Int) -> String {
        String(decoding: bytes[offsets[position]..<offsets[position + 1]], as: UTF8.self)
    }

    func index(of id: String) -> Int32? {
        let size = slots.count
        var slot = Self.hash(id.utf8) & (size - 1)
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if bytes[offsets[position]..<offsets[position + 1]].elementsEqual(id.utf8) { return Int32(truncatingIfNeeded: position) }
            slot = (slot + 1) & (size - 1)
        }
        return nil
    }
}
