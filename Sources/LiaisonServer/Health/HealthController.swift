import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore
import SQLKit

/// Liveness, readiness and metrics for operators and orchestrators.
struct HealthController {
    let database: LiaisonDatabase
    let metrics: NodeMetrics
    /// Reports the hit/no-hit indexes still being built ("warming"): searches of those
    /// categories wait until they are ready.
    var hits: HitService?

    func register(on routes: RouteTable) {
        // Liveness: the process serves HTTP.
        routes.on(.get, "/healthz", access: .anonymous, surface: .probe) { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        // Readiness: keys and migrations were loaded at start; the database still answers.
        routes.on(.get, "/readyz", access: .anonymous, surface: .probe) { _, _ in
            do {
                if let sql = try database.database as? any SQLDatabase {
                    try await sql.raw("SELECT 1").run()
                }
                // Still ready while an index warms (messages, screening and the other categories
                // answer); the body says which searches wait.
                let warming = await hits?.warming().map(\.rawValue) ?? []
                return try JSONBody.response(Readiness(status: "ready", warming: warming))
            } catch {
                throw LiaisonError(.notReady, "The database does not answer.")
            }
        }
        routes.on(.get, "/metrics", access: .anonymous, surface: .probe) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(string: metrics.render()))
            )
        }
    }
}

/// The body of `/readyz`.
struct Readiness: Encodable {
    var status: String
    /// Hit/no-hit categories whose index is being built.
    var warming: [String]
}
