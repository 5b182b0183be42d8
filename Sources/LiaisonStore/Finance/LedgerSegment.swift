import LiaisonCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A run of an import's transactions stored as one row, in a compact binary layout: a case's
/// ledger of millions of transactions is read back as a few hundred rows and decoded without a
/// JSON parser (5 million JSON documents took minutes to read; see docs/finance.md).
///
/// Layout (little-endian): the version byte, the transaction count (u32), then for each transaction
/// its id, debtor, creditor (strings), amount in minor units (i64), currency code (string), value
/// time (f64 seconds since 1970), UETR and reference (a presence byte, then the string), source
/// format (string) and source line (u32). A string is its UTF-8 length (u32) and bytes. Imports
/// never change once stored, so neither does a segment.
enum LedgerSegment {
    static let version: UInt8 = 1
    /// Transactions per segment: rows of about 1 MB.
    static let capacity = 8_192

    static func encode(_ transactions: some Collection<FinancialTransaction>) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(transactions.count * 96)
        bytes.append(version)
        append(UInt32(truncatingIfNeeded: transactions.count), to: &bytes)
        func string(_ text: String) {
            append(UInt32(truncatingIfNeeded: text.utf8.count), to: &bytes)
            bytes.append(contentsOf: text.utf8)
        }
        func optional(_ text: String?) {
            guard let text else { return bytes.append(0) }
            bytes.append(1)
            string(text)
        }
        for transaction in transactions {
            string(transaction.id)
            string(transaction.debtor)
            string(transaction.creditor)
            append(UInt64(bitPattern: transaction.amount.minor), to: &bytes)
            string(transaction.amount.currency.code)
            append(transaction.valueAt.timeIntervalSince1970.bitPattern, to: &bytes)
            optional(transaction.uetr)
            optional(transaction.reference)
            string(transaction.sourceFormat)
            append(UInt32(truncatingIfNeeded: max(0, min(transaction.sourceLine, Int(UInt32.max)))), to: &bytes)  // checked: UInt32.max fits an Int on 64-bit platforms
        }
        return Data(bytes)
    }

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Strings seen while decoding, so that the thousands of transactions naming one account share
    /// one copy of its key.
    struct Pool {
        private var strings: [String: String] = [:]
        private var currencies: [String: Currency] = [:]

        mutating func intern(_ text: String) -> String {
            if let known = strings[text] { return known }
            strings[text] = text
            return text
        }

        mutating func currency(_ code: String) throws(LiaisonError) -> Currency {
            if let known = currencies[code] { return known }
            let currency = try Currency(code)
            currencies[code] = currency
            return currency
        }
    }

    /// Appends a segment's transactions to `transactions`.
    /// - Throws: ``LiaisonError`` `.integrityFailure` for bytes this layout cannot have written.
    static func decode(_ data: Data, into transactions: inout [FinancialTransaction], pool: inout Pool) throws(LiaisonError) {
        var reader = Reader(bytes: [UInt8](data))
        guard try reader.byte() == version else { throw Reader.damaged }
        let count = Int(try reader.integer(UInt32.self))  // checked: a UInt32 fits an Int on 64-bit platforms
        guard count <= data.count / 20 else { throw Reader.damaged }
        transactions.reserveCapacity(transactions.count + count)
        for _ in 0..<count {
            let id = try reader.string()
            let debtor = pool.intern(try reader.string())
            let creditor = pool.intern(try reader.string())
            let minor = Int64(bitPattern: try reader.integer(UInt64.self))
            let currency: Currency
            do throws(LiaisonError) { currency = try pool.currency(try reader.string()) } catch { throw Reader.damaged }
            let seconds = Double(bitPattern: try reader.integer(UInt64.self))
            guard seconds.isFinite else { throw Reader.damaged }
            let uetr = try reader.byte() == 1 ? try reader.string() : nil
            let reference = try reader.byte() == 1 ? try reader.string() : nil
            let format = pool.intern(try reader.string())
            let line = Int(try reader.integer(UInt32.self))  // checked: a UInt32 fits an Int on 64-bit platforms
            transactions.append(
                FinancialTransaction(
                    id: id, debtor: debtor, creditor: creditor, amount: Money(minor: minor, currency: currency),
                    valueAt: Date(timeIntervalSince1970: seconds), uetr: uetr, reference: reference, sourceFormat: format, sourceLine: line))
        }
        guard reader.atEnd else { throw Reader.damaged }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        static let damaged = LiaisonError(.integrityFailure, "A stored segment of a case's transactions is damaged; restore the database from a backup.")

        var atEnd: Bool { position == bytes.count }

        mutating func byte() throws(LiaisonError) -> UInt8 {
            guard position < bytes.count else { throw Self.damaged }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func integer<Integer: FixedWidthInteger>(_: Integer.Type) throws(LiaisonError) -> Integer {
            let size = MemoryLayout<Integer>.size
            guard bytes.count - position >= size else { throw Self.damaged }
            var value: Integer = 0
            for offset in 0..<size { value |= Integer(truncatingIfNeeded: bytes[position + offset]) << (8 * offset) }
            position += size
            return value
        }

        mutating func string() throws(LiaisonError) -> String {
            let length = Int(try integer(UInt32.self))  // checked: a UInt32 fits an Int on 64-bit platforms
            guard bytes.count - position >= length else { throw Self.damaged }
            defer { position += length }
            return String(decoding: bytes[position..<(position + length)], as: UTF8.self)
        }
    }
}
