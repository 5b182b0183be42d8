import Hummingbird
import Prometheus

/// The node's Prometheus metrics, kept in a registry owned by the application (no global state),
/// served as text at `/metrics`.
final class NodeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    func requestCounter(method: String, route: String, status: Int) -> Counter {
        registry.makeCounter(
            name: "liaison_http_requests_total",
            labels: [("method", method), ("route", route), ("status", String(status))],
            help: "HTTP requests answered, by method, route pattern and status."
        )
    }

    func durationHistogram(route: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            name: "liaison_http_request_duration_seconds",
            labels: [("route", route)],
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2)],
            help: "Time to answer HTTP requests, by route pattern."
        )
    }

    /// Envelopes received from partners, by outcome: `stored`, `duplicate` (received before: a
    /// sender's retry, answered with the first receipt) or `refused`. Duplicates in a steady
    /// stream mean senders post again what they already delivered.
    func countEnvelope(_ outcome: String) {
        registry.makeCounter(
            name: "liaison_envelopes_received_total", labels: [("outcome", outcome)],
            help: "Envelopes received from partners, by outcome (stored, duplicate, refused)."
        ).increment()
    }

    /// The exposition text.
    func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Counts requests and their duration by route pattern (not raw path, so that identifiers in
/// paths never become metric labels).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: NodeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.requestCounter(method: request.method.rawValue, route: route, status: response.status.code).increment()
        metrics.durationHistogram(route: route).record(ContinuousClock.now - start)
        return response
    }
}
