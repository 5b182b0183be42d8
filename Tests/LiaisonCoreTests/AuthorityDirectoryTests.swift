import Foundation
import LiaisonCore
import Testing

/// The directory of competent authorities and calendars, as data: the demo's directory reads,
/// routes an instrument to the executing authority that accepts its language, refuses one in a
/// language nobody there accepts (naming those accepted), and names the entry at fault in a bad
/// document.
@Suite("Directory of competent authorities")
struct AuthorityDirectoryTests {
    static func demo() throws -> AuthorityDirectory {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/LiaisonServer/Resources/judicial/directory.json")
        return try AuthorityDirectory.read(try Data(contentsOf: url))
    }

    @Test("the demo's directory routes by instrument and language, and its calendars count clocks")
    func routing() throws {
        let directory = try Self.demo()
        #expect(try directory.route(.eio, to: "XB", language: "en").agency == "XB-CUS")
        #expect(try directory.route(.eio, to: "XB", language: "FI").name.contains("Borvia"))
        do {
            _ = try directory.route(.eio, to: "XB", language: "de")
            Issue.record("a German EIO was routed to XB")
        } catch {
            #expect(error.code == .languageNotAccepted && error.message.contains("en, fi"))
        }
        #expect(throws: LiaisonError.self) { try directory.route(.productionOrder, to: "XB", language: "en") }
        #expect(directory.authorities(in: "XA", for: .eaw, .executing).first?.certifiedTranslation == true)
        // XB's calendar: Finnish Independence Day (6 December) is a holiday, so a period ending then moves.
        let calendar = try #require(directory.calendar(of: "XB"))
        let engine = try DeadlineEngine(calendar)
        var helsinki = Calendar(identifier: .gregorian)
        helsinki.timeZone = TimeZone(identifier: "Europe/Helsinki")!
        let receipt = helsinki.date(from: DateComponents(year: 2026, month: 11, day: 29, hour: 10))!
        // One week: last day Sunday 6 December (a holiday too), moved to Monday 7 December.
        #expect(try engine.reading(.eioAcknowledgement, startedAt: receipt).deadline == helsinki.date(from: DateComponents(year: 2026, month: 12, day: 8))!)
    }

    @Test("a bad directory is refused naming the entry")
    func refused() {
        let badZone = #"{"calendars":[{"jurisdiction":"XQ","timeZone":"Nowhere/Town","weekend":[1,7],"holidays":[],"rule":"reg-1182-71"}],"authorities":[]}"#
        let badLanguage = #"{"calendars":[{"jurisdiction":"XQ","timeZone":"UTC","weekend":[1,7],"holidays":[],"rule":"elapsed"}],"authorities":[{"jurisdiction":"XQ","instrument":"eio","function":"executing","name":"Q","agency":"XQ-1","languages":["English"],"certifiedTranslation":false}]}"#
        let noCalendar = #"{"calendars":[],"authorities":[{"jurisdiction":"XQ","instrument":"eio","function":"executing","name":"Q","agency":"XQ-1","languages":["en"],"certifiedTranslation":false}]}"#
        for (document, expected) in [(badZone, "calendars[0]"), (badLanguage, "authorities[0]"), (noCalendar, "no calendar"), ("{", "not valid JSON")] {
            do {
                _ = try AuthorityDirectory.read(Data(document.utf8))
                Issue.record("accepted: \(document)")
            } catch let error as LiaisonError {
                #expect(error.message.contains(expected), "\(error.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
