import Crypto
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore
import Logging
import ServiceLifecycle

/// The oversight API and the transparency report.
struct OversightController {
    let monitor: OversightMonitor
    let configuration: NodeConfiguration

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/oversight/summary", access: .overseers, surface: .api) { request, _ in
            try JSONBody.response(try await monitor.summary(days: try Self.days(request.uri.queryParameters.get("days"))))
        }
        routes.on(.get, "/api/v1/oversight/anomalies", access: .overseers, surface: .api) { request, _ in
            try JSONBody.response(try await monitor.anomalies(days: try Self.days(request.uri.queryParameters.get("days"))))
        }
        routes.on(.post, "/api/v1/oversight/scan", access: .overseers, surface: .api) { _, _ in
            try JSONBody.response(try await monitor.scan())
        }
        routes.on(.post, "/api/v1/oversight/alerts/:id/review", access: .overseers, surface: .api) { request, context in
            struct Body: Decodable { var confirmed: Bool; var reason: String }
            let body = try await JSONBody.decode(Body.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await monitor.review(try context.parameters.require("id"), confirmed: body.confirmed, reason: body.reason, actor: AuditTrail.actor(context), role: context.principal?.role)
            return try JSONBody.response(OversightMonitor.view(record))
        }
        routes.on(.get, "/api/v1/reports/transparency", access: .overseers, surface: .api) { request, _ in
            let (from, to) = try Self.period(request.uri.queryParameters.get("from"), request.uri.queryParameters.get("to"), now: configuration.clock.now())
            let report = try await monitor.transparency(from: from, to: to)
            switch request.uri.queryParameters.get("format") ?? "json" {
            case "json": return try JSONBody.response(report)
            case "csv": return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.csv())))
            case "html": return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: TransparencyHTML.document(report))))
            case let other: throw LiaisonError(.invalidInput, "format must be json, csv or html, not '\(other)'.")
            }
        }
    }

    /// The window in days (default 30).
    static func days(_ text: String?) throws -> Int {
        guard let text else { return 30 }
        guard let days = Int(text), (1...3_650).contains(days) else {  // checked: parses text: nil when not a number
            throw LiaisonError(.invalidInput, "days must be a whole number from 1 to 3650, not '\(text)'.")
        }
        return days
    }

    /// A reporting period from `YYYY-MM-DD` dates, both inclusive (default: this calendar year).
    /// - Throws: ``LiaisonError`` 400 naming the field.
    static func period(_ fromText: String?, _ toText: String?, now: Date) throws -> (Date, Date) {
        return try CalendarDay.period(from: fromText, to: toText, now: now)
    }
}
