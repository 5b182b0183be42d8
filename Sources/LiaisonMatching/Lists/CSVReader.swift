public import LiaisonCore

/// RFC 4180 CSV: fields separated by commas (or another byte), optionally quoted with `"`, quotes
/// doubled inside quoted fields, quoted fields may span lines. Each record carries the line it
/// starts on, so that errors can name it.
public struct CSVReader: Sendable {
    public struct Record: Sendable {
        /// The 1-based line the record starts on.
        public var line: Int
        public var fields: [String]
    }

    public let separator: UInt8

    public init(separator: Character = ",") {
        self.separator = separator.asciiValue ?? UInt8(ascii: ",")
    }

    /// The records of `text`; blank lines are skipped.
    /// - Throws: ``LiaisonError`` `.invalidInput` for a quote that is never closed or text after
    ///   a closing quote, naming the line.
    public func records(_ text: String) throws(LiaisonError) -> [Record] {
        var records: [Record] = []
        try forEachRecord(text) { records.append($0) }
        return records
    }

    /// Calls `body` with each record of `text` in order, holding one record at a time: for files
    /// of millions of rows.
    /// - Throws: ``LiaisonError`` as ``records(_:)`` does, or what `body` throws.
    public func forEachRecord(_ text: String, _ body: (Record) throws(LiaisonError) -> Void) throws(LiaisonError) {
        var text = text
        do {
            try text.withUTF8 { buffer in try scan(buffer, body) }
        } catch let error as LiaisonError {
            throw error
        } catch {
            throw LiaisonError(.invalidInput, "\(error)")
        }
    }

    private func scan(_ all: UnsafeBufferPointer<UInt8>, _ body: (Record) throws(LiaisonError) -> Void) throws(LiaisonError) {
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var afterQuote = false
        var quoteLine = 1
        let bytes = all.count >= 3 && all[0] == 0xEF && all[1] == 0xBB && all[2] == 0xBF ? UnsafeBufferPointer(rebasing: all[3...]) : all
        var index = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        func endRecord() throws(LiaisonError) {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { try body(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            } else if byte == separator {
                endField()
            } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                try endRecord()
                line += 1
                recordLine = line
            } else if byte == UInt8(ascii: "\"") && field.allSatisfy({ $0 == UInt8(ascii: " ") }) && !afterQuote {
                field.removeAll()
                inQuotes = true
                quoteLine = line
            } else if afterQuote && byte != UInt8(ascii: " ") {
                throw LiaisonError(.invalidInput, "line \(line): text after a closing quote")
            } else if !afterQuote {
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { throw LiaisonError(.invalidInput, "line \(quoteLine): quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { try endRecord() }
    }
}
