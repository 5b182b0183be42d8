import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonTestSupport
import Testing

/// The forms' labels come from the catalogue, in English, French and German: every form, section
/// and field has its label in each, so that a form added without its labels fails here.
@Suite("Instrument forms' labels")
struct InstrumentLabelTests {
    @Test("every form, section and field is labelled in en, fr and de")
    func complete() throws {
        let labels = FormLabels.load(resources: try resourceDirectory())
        #expect(Set(labels.keys).isSuperset(of: ["en", "fr", "de"]))
        for (language, catalogue) in labels {
            for form in InstrumentForm.all {
                #expect(catalogue.forms[form.id] != nil, "\(language): form \(form.id)")
                for section in form.sections {
                    #expect(catalogue.sections["\(form.id).\(section.id)"] != nil, "\(language): section \(form.id).\(section.id)")
                    for field in section.fields { #expect(catalogue.fields[field.id] != nil, "\(language): field \(field.id)") }
                }
            }
        }
    }

    @Test("the printable layout shows every section in order, in two languages side by side, escaped")
    func printable() throws {
        let labels = FormLabels.load(resources: try resourceDirectory())
        var instrument = Instrument(
            id: "i", reference: "XC-PRO/EIO/2026/i", kind: .eio, direction: .outgoing, issuer: "XC-PRO", executor: "XB-CUS", executingJurisdiction: "XB", caseReference: nil,
            document: InstrumentDocument(form: "eio", language: "en", sections: ["A": [["issuingState": .text("XC"), "executingState": .text("XB")]], "G": [["facts": .text("<script>x</script>")]]]),
            drafter: "judge", drafterRole: .judicialAuthority, at: Date(timeIntervalSince1970: 1_796_637_600)
        )
        instrument.state = .validated
        let html = InstrumentPages.printable(instrument, labels: labels, first: "fr", second: "en")
        #expect(html.contains("Décision d&#39;enquête européenne") || html.contains("Décision d'enquête européenne"))
        #expect(html.contains("European Investigation Order"))
        #expect(html.contains("État d") && html.contains("Issuing State"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;") && !html.contains("<script>x"))
        let order = InstrumentForm.eio.sections.compactMap { html.range(of: HTMLText.escape(labels["fr"]?.section("eio", $0.id) ?? ""))?.lowerBound }
        #expect(order.count == InstrumentForm.eio.sections.count && order == order.sorted())
        #expect(throws: LiaisonError.self) { try InstrumentPages.language("xx", labels, fallback: nil) }

        // The PDF: well formed (every cross-reference points at its object), the labels in both
        // languages in WinAnsi, parentheses escaped, several pages for the whole EIO.
        instrument.document.sections["G"] = [["facts": .text(String(repeating: "Payments (in cash) went to the importer's accounts. ", count: 40))]]
        let pdf = InstrumentPages.pdf(instrument, labels: labels, first: "fr", second: "en")
        let text = String(decoding: pdf.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-1.4") && text.hasSuffix("%%EOF\n"))
        let xrefStart = try #require(Int(text.components(separatedBy: "startxref\n").last?.split(separator: "\n").first ?? ""))
        let table = text[text.index(text.startIndex, offsetBy: xrefStart)...].split(separator: "\n")
        let count = try #require(Int(table[1].split(separator: " ")[1]))
        for number in 1..<count {
            let offset = try #require(Int(table[2 + number].prefix(10)))
            #expect(text[text.index(text.startIndex, offsetBy: offset)...].hasPrefix("\(number) 0 obj"), "object \(number)")
        }
        #expect(text.contains("Issuing State") && text.contains("(in cash\\)") || text.contains("\\(in cash\\)"))
        #expect(text.contains("/Count ") && !text.contains("/Count 1 "), "the long form takes several pages")
        #expect(pdf.contains(0xC9), "É of État in WinAnsi")
    }
}

/// The directory of competent authorities replaced on a running node: checked first (nothing
/// changes on a bad document), written to the data directory for the next start, used at once.
@Suite("Judicial directory on a running node")
struct JudicialDirectoryTests {
    @Test("an administrator replaces the directory; a bad one is refused naming the entry; it is used at once and kept", arguments: Backend.available)
    func replace(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let admin = try await node.addUser(.administrator)
        let judge = try await node.addUser(.judicialAuthority)
        let file = URL(fileURLWithPath: node.directory).appendingPathComponent("judicial/directory.json")
        try await node.app.application.test(.router) { client in
            let adminToken = try await client.token(admin.username, admin.password)
            let judgeToken = try await client.token(judge.username, judge.password)
            let bundled = try await client.json("/api/v1/judicial/directory", token: judgeToken)
            #expect(bundled.status == .ok && bundled.text.contains("XB-CUS"))
            let bad = #"{"calendars":[{"jurisdiction":"XD","timeZone":"Europe/Vienna","weekend":[1,7],"rule":"reg-1182-71","holidays":[]}],"authorities":[{"jurisdiction":"XD","instrument":"eio","function":"executing","name":"Dorian prosecutors","agency":"XD-PRO","languages":["German"]}]}"#
            let refused = try await client.json("/api/v1/judicial/directory", method: .put, token: adminToken, body: bad)
            #expect(refused.status == .badRequest && refused.text.contains("authorities[0]"), "\(refused.text)")
            #expect(!FileManager.default.fileExists(atPath: file.path))
            #expect(try await client.json("/api/v1/judicial/directory", method: .put, token: judgeToken, body: bad).status == .forbidden)
            let good = bad.replacingOccurrences(of: #"["German"]"#, with: #"["de","en"]"#)
            let replaced = try await client.json("/api/v1/judicial/directory", method: .put, token: adminToken, body: good)
            #expect(replaced.status == .ok, "\(replaced.text)")
            let now = try await client.json("/api/v1/judicial/directory", token: judgeToken)
            #expect(now.text.contains("Dorian prosecutors") && !now.text.contains("XB-CUS"))
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try AuthorityDirectory.read(try Data(contentsOf: file)).authorities.first?.agency == "XD-PRO")
            // Replaced again (the file is there now; the fuzzer found this path answering 500).
            let again = try await client.json("/api/v1/judicial/directory", method: .put, token: adminToken, body: good.replacingOccurrences(of: "Dorian prosecutors", with: "Dorian central authority"))
            #expect(again.status == .ok, "\(again.text)")
            #expect(try await client.json("/api/v1/judicial/directory", token: judgeToken).text.contains("Dorian central authority"))
        }
        await node.close()
    }
}
