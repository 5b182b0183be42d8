import Foundation
import LiaisonCore
@testable import LiaisonServer
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
    }
}
