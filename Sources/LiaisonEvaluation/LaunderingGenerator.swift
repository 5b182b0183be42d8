import Foundation
public import LiaisonCore
public import LiaisonMatching

/// Generates transaction data with laundering patterns planted in ordinary traffic, as AMLSim does
/// (https://github.com/IBM/AMLSim, `alertPatterns.csv`), with each pattern's accounts labelled by
/// typology: the ground truth the typology evaluation scores against.
///
/// Ordinary traffic is made to look like what makes detection hard: account activity follows a
/// heavy-tailed law (a few accounts are paid by thousands: shops, utilities), companies pay the same
/// employees every month (a fan-out that is not laundering), people pay rent, and amounts in
/// patterns are drawn from the same distribution as everyone else's, so that no detector can find a
/// pattern by its amounts alone (except structuring, which is about amounts).
public struct LaunderingGenerator: Sendable {
    public struct Configuration: Sendable {
        public var accounts = 10_000
        public var backgroundTransactions = 60_000
        public var days = 180
        public var patternsPerTypology = 20
        public var payrollCompanies = 40
        public var seed: UInt64 = 20_261_207
        /// The longest a pattern (except pass-through) lasts, in days.
        public var patternDays = 10
        public init() {}
    }

    /// A generated data set: the transactions, and for each planted pattern its typology and accounts.
    public struct Dataset: Sendable {
        public var accounts: [FinancialAccount]
        public var transactions: [FinancialTransaction]
        public var patterns: [(typology: Typology, accounts: [String])]

        /// Accounts labelled with each typology.
        public var labels: [Typology: Set<String>] {
            var labels: [Typology: Set<String>] = [:]
            for pattern in patterns { labels[pattern.typology, default: []].formUnion(pattern.accounts) }
            return labels
        }

        /// The transactions as a CSV file in ``TransactionCSV``'s default layout.
        public var csv: String {
            var text = "id,debtor,creditor,amount,currency,date,debtor_country,creditor_country\n"
            text.reserveCapacity(transactions.count * 90)
            let countries = Dictionary(accounts.map { ($0.key, $0.country ?? "") }, uniquingKeysWith: { first, _ in first })
            let formatter = ISO8601DateFormatter()
            for transaction in transactions {
                text += "\(transaction.id),\(transaction.debtor.dropFirst("local:gen:".count)),\(transaction.creditor.dropFirst("local:gen:".count)),\(transaction.amount.decimal),\(transaction.amount.currency.code),\(formatter.string(from: transaction.valueAt)),\(countries[transaction.debtor] ?? ""),\(countries[transaction.creditor] ?? "")\n"
            }
            return text
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Countries of the accounts, weighted: most are domestic, some in neighbouring and offshore centres.
    static let countries: [(String, Double)] = [
        ("DE", 0.40), ("FR", 0.14), ("NL", 0.10), ("BE", 0.08), ("AT", 0.07), ("LU", 0.05), ("CH", 0.05), ("CY", 0.04), ("AE", 0.04),
        ("GB", 0.03),
    ]

    public func generate() -> Dataset {
        var random = SplitMix64(seed: configuration.seed)
        let usd = Currency.usDollar()
        let start = CalendarDay.start(of: "2026-01-01")!.timeIntervalSince1970
        let period = Double(configuration.days) * 86_400
        var accounts: [FinancialAccount] = []
        for index in 0..<configuration.accounts {
            var roll = random.nextDouble()
            var country = "DE"
            for (code, weight) in Self.countries {
                if roll < weight {
                    country = code
                    break
                }
                roll -= weight
            }
            accounts.append(FinancialAccount(key: "local:gen:\(index)", scheme: .local, identifier: "\(index)", country: country))
        }
        // Heavy-tailed activity (Pareto, α = 1.6): a few accounts take a large share of payments.
        var cumulative: [Double] = []
        var sum = 0.0
        for _ in 0..<configuration.accounts {
            sum += min(1 / pow(max(random.nextDouble(), 1e-9), 1 / 1.6), 400)
            cumulative.append(sum)
        }
        func weighted() -> Int {
            let target = random.nextDouble() * sum
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            return low
        }
        func amount(median: Double = 250, sigma: Double = 1.0) -> Int64 {
            let u1 = max(random.nextDouble(), 1e-12)
            let u2 = random.nextDouble()
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return max(100, min(Int64((median * exp(sigma * normal) * 100).rounded()), 5_000_000))  // checked: clamped to 1–50,000
        }
        var transactions: [FinancialTransaction] = []
        func pay(_ from: Int, _ to: Int, _ minor: Int64, at seconds: Double) {
            let id = "gen-\(transactions.count + 1)"
            transactions.append(
                FinancialTransaction(
                    id: id, debtor: accounts[from].key, creditor: accounts[to].key, amount: Money(minor: minor, currency: usd),
                    valueAt: Date(timeIntervalSince1970: start + min(max(seconds, 0), period - 1).rounded(.down)), sourceFormat: "generated",
                    sourceLine: transactions.count + 2))
        }
        for _ in 0..<configuration.backgroundTransactions {
            let from = weighted()
            var to = weighted()
            while to == from { to = weighted() }
            pay(from, to, amount(), at: random.nextDouble() * period)
        }
        // Pattern accounts are drawn from accounts that are not companies, without repetition.
        var pool = Array(0..<configuration.accounts)
        pool.shuffle(using: &random)
        func draw(_ count: Int, where predicate: (Int) -> Bool = { _ in true }) -> [Int] {
            var picked: [Int] = []
            var kept: [Int] = []
            while picked.count < count, let next = pool.popLast() {
                if predicate(next) { picked.append(next) } else { kept.append(next) }
            }
            pool += kept
            return picked
        }
        // Payroll: the same employees, every month, a near-constant salary (fan-outs that are not laundering).
        for _ in 0..<configuration.payrollCompanies {
            let company = draw(1)[0]
            let staff = draw(8 + random.next(below: 23))
            let salaries = staff.map { _ in amount(median: 3_000, sigma: 0.3) }
            let payday = Double(random.next(below: 28)) * 86_400
            var month = 0.0
            while month * 30 * 86_400 + payday < period {
                for (employee, salary) in zip(staff, salaries) {
                    pay(company, employee, salary, at: month * 30 * 86_400 + payday + random.nextDouble() * 3_600)
                }
                month += 1
            }
        }
        // Rent: an account pays the same landlord monthly (a regular counterparty).
        for _ in 0..<(configuration.accounts / 20) {
            let tenant = random.next(below: configuration.accounts)
            let landlord = weighted()
            guard tenant != landlord else { continue }
            let rent = amount(median: 900, sigma: 0.3)
            let day = Double(random.next(below: 28)) * 86_400
            var month = 0.0
            while month * 30 * 86_400 + day < period {
                pay(tenant, landlord, rent, at: month * 30 * 86_400 + day)
                month += 1
            }
        }
        var patterns: [(Typology, [String])] = []
        let patternSpan = Double(configuration.patternDays) * 86_400
        func patternStart() -> Double { random.nextDouble() * (period - patternSpan * 2) }
        func within(_ origin: Double, _ share: Double = 1) -> Double { origin + random.nextDouble() * patternSpan * share }
        func share() -> Double { 0.85 + random.nextDouble() * 0.12 }
        func record(_ typology: Typology, _ members: [Int]) { patterns.append((typology, members.map { accounts[$0].key })) }
        let count = configuration.patternsPerTypology
        for _ in 0..<count {
            // Fan-out: one account pays 5–12 new accounts within the pattern's days.
            let source = draw(1)[0]
            let recipients = draw(5 + random.next(below: 8))
            let origin = patternStart()
            for recipient in recipients { pay(source, recipient, amount(), at: within(origin)) }
            record(.fanOut, [source] + recipients)
        }
        for _ in 0..<count {
            let target = draw(1)[0]
            let senders = draw(5 + random.next(below: 8))
            let origin = patternStart()
            for sender in senders { pay(sender, target, amount(), at: within(origin)) }
            record(.fanIn, [target] + senders)
        }
        for _ in 0..<count {
            // Cycle: 3–6 accounts in one country; each hop passes on 85–97 %.
            let home = Self.countries[random.next(below: 3)].0
            let members = draw(3 + random.next(below: 4)) { accounts[$0].country == home }
            var time = patternStart()
            var value = amount(median: 2_000)
            for (position, member) in members.enumerated() {
                let next = members[(position + 1) % members.count]
                time += random.nextDouble() * patternSpan / Double(members.count + 1)
                pay(member, next, value, at: time)
                value = Int64((Double(value) * share()).rounded())  // checked: below the previous amount
            }
            record(.cycle, members)
        }
        for _ in 0..<count {
            let source = draw(1)[0]
            let target = draw(1)[0]
            let middles = draw(3 + random.next(below: 6))
            let origin = patternStart()
            for middle in middles {
                let value = amount()
                let first = within(origin, 0.5)
                pay(source, middle, value, at: first)
                pay(middle, target, Int64((Double(value) * share()).rounded()), at: first + random.nextDouble() * patternSpan * 0.5)  // checked: below value
            }
            record(.scatterGather, [source, target] + middles)
        }
        for _ in 0..<count {
            let hub = draw(1)[0]
            let sources = draw(3 + random.next(below: 6))
            let recipients = draw(3 + random.next(below: 6))
            let origin = patternStart()
            var gathered: Int64 = 0
            var last = origin
            for source in sources {
                let value = amount()
                gathered += value
                let time = within(origin, 0.5)
                last = max(last, time)
                pay(source, hub, value, at: time)
            }
            let outgoing = Double(gathered) * share()
            let weights = recipients.map { _ in 0.5 + random.nextDouble() }
            let total = weights.reduce(0, +)
            for (recipient, weight) in zip(recipients, weights) {
                pay(hub, recipient, Int64((outgoing * weight / total).rounded()), at: last + random.nextDouble() * patternSpan * 0.5)  // checked: a share of gathered
            }
            record(.gatherScatter, [hub] + sources + recipients)
        }
        for _ in 0..<count {
            let senders = draw(3 + random.next(below: 3))
            let recipients = draw(3 + random.next(below: 3))
            let origin = patternStart()
            for sender in senders {
                for recipient in recipients { pay(sender, recipient, amount(), at: within(origin)) }
            }
            record(.bipartite, senders + recipients)
        }
        for _ in 0..<count {
            let layers = [draw(3 + random.next(below: 2)), draw(3 + random.next(below: 2)), draw(3 + random.next(below: 2))]
            let origin = patternStart()
            for sender in layers[0] {
                for recipient in layers[1] { pay(sender, recipient, amount(), at: within(origin, 0.45)) }
            }
            for sender in layers[1] {
                for recipient in layers[2] { pay(sender, recipient, amount(), at: origin + patternSpan * 0.5 + random.nextDouble() * patternSpan * 0.45) }
            }
            record(.stack, layers.flatMap { $0 })
        }
        for _ in 0..<count {
            // Structuring: 3–7 deposits of 82–99 % of the USD 10,000 threshold within the pattern's days.
            let account = draw(1)[0]
            let depositors = draw(3 + random.next(below: 5))
            let origin = patternStart()
            for depositor in depositors {
                pay(depositor, account, Int64((10_000 * (0.82 + random.nextDouble() * 0.17) * 100).rounded()), at: within(origin))  // checked: below 1,000,000 minor units
            }
            record(.structuring, [account] + depositors)
        }
        for _ in 0..<count {
            // Rapid pass-through: a money mule passes on 88–99 % of each of 3–6 payments within 1–40 hours.
            let mule = draw(1)[0]
            var members = [mule]
            for _ in 0..<(3 + random.next(below: 4)) {
                let sender = draw(1)[0]
                let recipient = draw(1)[0]
                let value = amount(median: 1_500)
                let time = random.nextDouble() * (period - 3 * 86_400)
                pay(sender, mule, value, at: time)
                pay(mule, recipient, Int64((Double(value) * (0.88 + random.nextDouble() * 0.11)).rounded()), at: time + 3_600 + random.nextDouble() * 39 * 3_600)  // checked: below value
                members += [sender, recipient]
            }
            record(.rapidPassThrough, members)
        }
        for _ in 0..<count {
            // Round-tripping: out of a country through 1–2 foreign accounts back to the same account,
            // or through 2–3 back to another account there (the owner's other company).
            let home = Self.countries[random.next(below: 2)].0
            let back = random.next(below: 2) == 0
            let ends = draw(back ? 1 : 2) { accounts[$0].country == home }
            let abroad = draw((back ? 1 : 2) + random.next(below: 2)) { accounts[$0].country != home }
            guard !ends.isEmpty, !abroad.isEmpty else { continue }
            let path = [ends[0]] + abroad + [back ? ends[0] : ends[1]]
            var time = patternStart()
            var value = amount(median: 5_000)
            for position in 0..<(path.count - 1) {
                time += random.nextDouble() * patternSpan / Double(path.count)
                pay(path[position], path[position + 1], value, at: time)
                value = Int64((Double(value) * share()).rounded())  // checked: below the previous amount
            }
            record(.roundTripping, Array(Set(path)))
        }
        return Dataset(accounts: accounts, transactions: transactions, patterns: patterns)
    }
}
