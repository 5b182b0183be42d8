import Foundation

/// A small PDF writer for text documents (PDF 1.4, ISO 32000-1 §7): A4 pages, the standard
/// Helvetica fonts in WinAnsiEncoding, headings and two-column rows wrapped to the page, page
/// breaks where they fall. Written here because no PDF library is in the package mirror; it covers
/// the Latin scripts WinAnsi encodes (a character outside it prints as "?"), which is what the
/// official forms' languages need.
struct PDFWriter {
    enum Block {
        case title(String)
        case subtitle(String)
        case heading(String)
        case row(label: String, value: String)
        case text(String)
    }

    static let pageWidth = 595.0, pageHeight = 842.0, margin = 50.0
    static let labelWidth = 200.0, gap = 12.0

    /// The PDF of `blocks`.
    static func document(_ blocks: [Block], title: String) -> Data {
        var pages: [String] = []
        var page = ""
        var y = pageHeight - margin
        func newPage() {
            pages.append(page)
            page = ""
            y = pageHeight - margin
        }
        func line(_ text: String, x: Double, size: Double, bold: Bool) {
            page += "BT /\(bold ? "F2" : "F1") \(format(size)) Tf \(format(x)) \(format(y)) Td (\(escape(text))) Tj ET\n"
        }
        func ensure(_ height: Double) { if y - height < margin { newPage() } }
        for block in blocks {
            switch block {
            case .title(let text), .subtitle(let text), .heading(let text), .text(let text):
                let (size, bold, before): (Double, Bool, Double) = switch block {
                case .title: (15, true, 0)
                case .subtitle: (11, false, 2)
                case .heading: (11, true, 10)
                default: (9, false, 2)
                }
                let lines = wrap(text, width: pageWidth - 2 * margin, size: size)
                ensure(before + Double(lines.count) * size * 1.3)
                y -= before
                for text in lines {
                    y -= size * 1.3
                    line(text, x: margin, size: size, bold: bold)
                }
                if case .heading = block {
                    page += "0.5 w \(format(margin)) \(format(y - 3)) m \(format(pageWidth - margin)) \(format(y - 3)) l S\n"
                    y -= 4
                }
            case .row(let label, let value):
                let size = 9.0
                let labels = wrap(label, width: labelWidth, size: size)
                let values = wrap(value.isEmpty ? "—" : value, width: pageWidth - 2 * margin - labelWidth - gap, size: size)
                var index = 0
                y -= 3
                while index < max(labels.count, values.count) {
                    ensure(size * 1.3)
                    y -= size * 1.3
                    if index < labels.count { line(labels[index], x: margin, size: size, bold: true) }
                    if index < values.count { line(values[index], x: margin + labelWidth + gap, size: size, bold: false) }
                    index += 1
                }
            }
        }
        pages.append(page)

        // Objects: 1 catalog, 2 pages, 3 and 4 the fonts, 5 the information, then a page and its contents each.
        var objects: [String] = []
        let kids = pages.indices.map { "\(6 + 2 * $0) 0 R" }.joined(separator: " ")
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        objects.append("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
        objects.append("<< /Title (\(escape(title))) /Producer (Liaison) >>")
        var streams: [Int: Data] = [:]
        for (index, content) in pages.enumerated() {
            let number = 6 + 2 * index
            objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(format(pageWidth)) \(format(pageHeight))] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents \(number + 1) 0 R >>")
            let bytes = encode(content)
            streams[number + 1] = bytes
            objects.append("<< /Length \(bytes.count) >>")
        }
        var out = Data("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            let number = index + 1
            offsets.append(out.count)
            out += Data("\(number) 0 obj\n".utf8) + encode(object)
            if let stream = streams[number] { out += Data("\nstream\n".utf8) + stream + Data("\nendstream".utf8) }
            out += Data("\nendobj\n".utf8)
        }
        let xref = out.count
        out += Data("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets { out += Data((String(repeating: "0", count: max(0, 10 - String(offset).count)) + "\(offset) 00000 n \n").utf8) }
        out += Data("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R /Info 5 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// Lines of at most `width` points, broken at spaces (a word longer than a line is cut).
    static func wrap(_ text: String, width: Double, size: Double) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in paragraph.split(separator: " ") {
                let candidate = current.isEmpty ? String(word) : current + " " + word
                if measure(candidate, size: size) <= width {
                    current = candidate
                    continue
                }
                if !current.isEmpty { lines.append(current) }
                var rest = String(word)
                while measure(rest, size: size) > width, rest.count > 1 {
                    var cut = rest.count - 1
                    while cut > 1, measure(String(rest.prefix(cut)), size: size) > width { cut -= 1 }
                    lines.append(String(rest.prefix(cut)))
                    rest = String(rest.dropFirst(cut))
                }
                current = rest
            }
            lines.append(current)
        }
        return lines
    }

    /// The width of `text` in Helvetica at `size`, from the font's metrics in four classes.
    static func measure(_ text: String, size: Double) -> Double {
        text.reduce(0) { total, character in
            let width: Double = switch character {
            case "i", "j", "l", ".", ",", ";", ":", "'", "!", "|", " ", "f", "t", "I", "r": 0.28
            case "m", "w", "M", "W": 0.83
            case let upper where upper.isUppercase: 0.67
            default: 0.56
            }
            return total + width * size
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A PDF literal string's content: backslash, parentheses escaped; carriage returns dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text where character != "\r" {
            if character == "\\" || character == "(" || character == ")" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// The bytes in Windows-1252 (WinAnsiEncoding); a character outside it becomes "?".
    static func encode(_ text: String) -> Data {
        var out = Data()
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x20...0x7E, 0x0A, 0xA0...0xFF: out.append(UInt8(truncatingIfNeeded: scalar.value))
            default: out.append(windows1252[scalar.value] ?? 0x3F)
            }
        }
        return out
    }

    /// The characters of Windows-1252's 0x80–0x9F range.
    static let windows1252: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87, 0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A,
        0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97,
        0x02DC: 0x98, 0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]
}
