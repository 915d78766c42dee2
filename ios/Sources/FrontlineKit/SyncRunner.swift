// The sync loop over the core's sans-IO engine: ask the companion for the next request, send it
// with an `HTTPTransport`, hand back the answer (or the kind of failure), until nothing is due.
// Platform-neutral; tested on Linux against `frontline collector serve` with URLSession.
// BackgroundSync (Apple-only) runs it from BGTaskScheduler and on foreground.
import Foundation

/// What came back for one request.
public enum TransportResult {
    case response(HttpResponse)
    /// No answer: the core backs off and sends the request again later.
    case failure(TransportFailure)
}

/// Sends one request the core built.
public protocol HTTPTransport: Sendable {
    func send(_ request: HttpRequest) async -> TransportResult
}

/// What one sync run did.
public struct SyncSummary: Equatable, Sendable {
    public var requests = 0
    public var delivered = 0
    public var deadLettered = 0
    /// Requests that got no answer (the run stops at the first one: the core backs off).
    public var transportFailures = 0
    /// The run stopped at the request budget with more still due.
    public var budgetExhausted = false
}

public enum SyncRunner {
    /// Sends what the core has due, at most `maxRequests` requests (a background task has
    /// minutes, not hours). Stops at the first transport failure: the core schedules the retry.
    /// Throws `FrontlineError` (or `CancellationError` when the task was cancelled).
    public static func run(companion: Companion, transport: HTTPTransport, maxRequests: Int = 50) async throws -> SyncSummary {
        var summary = SyncSummary()
        while let request = try companion.nextSyncRequest() {
            try Task.checkCancellation()
            guard summary.requests < maxRequests else {
                summary.budgetExhausted = true
                // Hand the request back as a failure so it is not left in flight.
                _ = try companion.handleSyncFailure(requestId: request.id, failure: .other)
                break
            }
            summary.requests += 1
            let outcome: SyncOutcome
            switch await transport.send(request) {
            case .response(let response):
                outcome = try companion.handleSyncResponse(requestId: request.id, response: response)
            case .failure(let failure):
                summary.transportFailures += 1
                outcome = try companion.handleSyncFailure(requestId: request.id, failure: failure)
            }
            summary.delivered += Int(outcome.delivered)
            summary.deadLettered += Int(outcome.deadLettered)
            if summary.transportFailures > 0 { break }
        }
        return summary
    }
}

/// When the next background sync should run, from the configuration in force.
public enum SyncSchedule {
    /// `sync_interval_minutes` (15–1440, validated by the core) from `now`.
    public static func nextRun(after now: Date, config: CompanionConfig) -> Date {
        now.addingTimeInterval(TimeInterval(max(15, config.syncIntervalMinutes)) * 60)
    }
}

/// One sync at a time: the background task, a foreground return and a pull-to-refresh may
/// all ask at once; a run that finds another in progress returns nil at once.
public actor SyncCoordinator {
    private var running = false
    private let companion: Companion

    public init(companion: Companion) {
        self.companion = companion
    }

    /// Runs the sync loop with a transport made for the configuration in force (Wi-Fi only or not).
    public func syncNow(makeTransport: @Sendable (CompanionConfig) -> HTTPTransport = { config in
        URLSessionTransport(wifiOnly: config.syncWifiOnly)
    }) async throws -> SyncSummary? {
        if running { return nil }
        running = true
        defer { running = false }
        let transport = makeTransport(try companion.config())
        return try await SyncRunner.run(companion: companion, transport: transport)
    }
}
