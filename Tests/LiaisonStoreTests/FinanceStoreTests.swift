import Foundation
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import SQLKit
import Testing

/// A case's transactions are stored as segments: what goes in comes out, damaged bytes are refused
/// rather than read, and the rows of the first layout are moved over by the migration.
@Suite("Finance store: ledger segments and their migration")
struct FinanceStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func transactions(_ count: Int) throws -> [FinancialTransaction] {
        let euro = try Currency("EUR")
        let yen = try Currency("JPY")
        var all: [FinancialTransaction] = []
        for number in 0..<count {
            let amount = Money(minor: Int64(number) * 101 - 50, currency: number % 3 == 0 ? yen : euro)
            let uetr: String? = number % 2 == 0 ? "eb6305c9-1f7f-49de-aed0-16487c27b42d" : nil
            let reference: String? = number % 5 == 0 ? "Rechnung \(number) — «ИП»" : nil
            let format = number % 2 == 0 ? "csv" : "camt.053"
            all.append(
                FinancialTransaction(
                    id: "t-\(number)-é", debtor: "iban:DE89370400440532013000", creditor: "domestic:RBOSGB2L:\(number % 7)", amount: amount,
                    valueAt: now.addingTimeInterval(Double(number) * 3_600.25), uetr: uetr, reference: reference, sourceFormat: format,
                    sourceLine: number + 2))
        }
        return all
    }

    @Test("a segment decodes to exactly the transactions encoded, across segment boundaries")
    func roundTrip() throws {
        let original = try transactions(LedgerSegment.capacity + 17)
        var decoded: [FinancialTransaction] = []
        var pool = LedgerSegment.Pool()
        for start in stride(from: 0, to: original.count, by: LedgerSegment.capacity) {
            let data = LedgerSegment.encode(original[start..<min(start + LedgerSegment.capacity, original.count)])
            try LedgerSegment.decode(data, into: &decoded, pool: &pool)
        }
        #expect(decoded == original)
    }

    @Test("a segment cut short, extended, of another version or with an unknown currency is refused")
    func damaged() throws {
        let data = LedgerSegment.encode(try transactions(20))
        var pool = LedgerSegment.Pool()
        var sink: [FinancialTransaction] = []
        for bad in [data.prefix(data.count - 1), data + Data([0]), Data([2]) + data.dropFirst(), Data(), Data([1, 255, 255, 255, 255])] {
            #expect(throws: LiaisonError.self) { try LedgerSegment.decode(Data(bad), into: &sink, pool: &pool) }
        }
        var currency = [UInt8](data)
        let eur = Array("EUR".utf8)
        let at = try #require((0..<(currency.count - 3)).first { Array(currency[$0..<($0 + 3)]) == eur })
        currency.replaceSubrange(at..<(at + 3), with: Array("ZZZ".utf8))
        let error = #expect(throws: LiaisonError.self) { try LedgerSegment.decode(Data(currency), into: &sink, pool: &pool) }
        #expect(error?.message.contains("damaged") == true)
    }

    @Test("an import is stored and read back whole; a second import of the same file adds nothing", arguments: Backend.available)
    func importAndRead(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = FinanceStore(database: database)
        let file = FinancialImport(format: "csv", accounts: [], transactions: try transactions(LedgerSegment.capacity * 2 + 5))
        let record = FinanceImportRecord(
            id: "import-1", caseReference: "XA-2026-0042", fileName: "a.csv", format: "csv", sha256: "00", importedBy: "ana", importedAt: now, added: 0,
            alreadyPresent: 0, accounts: 0)
        let saved = try await store.add(file, record: record, existing: [], knownAccounts: [:], audit: [], at: now)
        #expect(saved.added == file.transactions.count && saved.alreadyPresent == 0)
        #expect(try await store.count(case: "XA-2026-0042") == file.transactions.count)
        #expect(try await store.ledger(case: "XA-2026-0042").transactions == file.transactions)
        let versionBefore = try await store.version(case: "XA-2026-0042")
        var second = record
        second.id = "import-2"
        let again = try await store.add(
            file, record: second, existing: Set(file.transactions.map(\.id)), knownAccounts: [:], audit: [], at: now.addingTimeInterval(1))
        #expect(again.added == 0 && again.alreadyPresent == file.transactions.count)
        #expect(try await store.count(case: "XA-2026-0042") == file.transactions.count)
        #expect(try await store.version(case: "XA-2026-0042") != versionBefore)
        #expect(try await store.ledger(case: "XA-2026-0099").transactions.isEmpty)
        await database.shutdown()
    }

    @Test("migration 0027 moves the rows of the first layout into segments, case by case", arguments: Backend.available)
    func migration(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let db = try database.database
        try await StoreFinanceSegments().revert(on: db)
        let sql = try db.sql
        let all = try transactions(30)
        for (number, transaction) in all.enumerated() {
            let reference = number < 20 ? "XA-2026-0042" : "XA-2026-0043"
            try await sql.insert(into: CreateFinance.legacyTransactions)
                .columns("id", "case_reference", "value_at", "import_id", "document_json")
                .values(
                    SQLBind("\(reference)|\(transaction.id)"), SQLBind(reference), SQLBind(transaction.valueAt), SQLBind("i-\(number / 10)"),
                    SQLBind(try JSON.encoder.encode(transaction)))
                .run()
        }
        try await StoreFinanceSegments().prepare(on: db)
        let store = FinanceStore(database: database)
        #expect(Set(try await store.ledger(case: "XA-2026-0042").transactions.map(\.id)) == Set(all.prefix(20).map(\.id)))
        // The first layout kept times to the second (JSON dates); everything else comes over as it was.
        let moved = try await store.ledger(case: "XA-2026-0043").transactions.sorted { $0.sourceLine < $1.sourceLine }
        #expect(moved.map(\.id) == all.suffix(10).map(\.id) && moved.map(\.amount) == all.suffix(10).map(\.amount))
        #expect(moved.map(\.reference) == all.suffix(10).map(\.reference) && moved.map(\.uetr) == all.suffix(10).map(\.uetr))
        #expect(try await store.count(case: "XA-2026-0042") == 20)
        await #expect(throws: (any Error).self) { _ = try await sql.select().column("id").from(CreateFinance.legacyTransactions).all() }
        await database.shutdown()
    }
}
