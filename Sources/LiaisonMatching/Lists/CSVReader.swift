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
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var afterQuote = false
        var quoteLine = 1
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var index = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
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
                endRecord()
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
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
