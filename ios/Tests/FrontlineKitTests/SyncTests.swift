// The sans-IO sync engine driven from Swift as the app drives it: SyncRunner asks the core for
// each request, URLSessionTransport (FoundationNetworking here, URLSession on iOS) sends it to a
// real collector (`frontline collector serve` on loopback, a child process) and hands the answer
// back. Enrolment comes first, then the queued reports; the collector's report shows each
// stored once. A collector that is not there is a transport failure the core backs off from.
import Foundation
import FrontlineKit
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import XCTest

final class SyncTests: XCTestCase {
    private static let token = "swift-sync-token"
    private var dir: URL!
    private var collector: Process?

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("frontline-swift-sync")
    }

    override func tearDownWithError() throws {
        // SIGKILL: a child of XCTest on Linux inherits SIGTERM ignored.
        if let collector, collector.isRunning {
            kill(collector.processIdentifier, SIGKILL)
            collector.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// The `frontline` binary, passed in by scripts/steps/swift.sh.
    private func frontline() throws -> URL {
        let path = try XCTUnwrap(ProcessInfo.processInfo.environment["FRONTLINE_BIN"], "run with FRONTLINE_BIN set")
        return URL(fileURLWithPath: path)
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = try frontline()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "frontline \(arguments): \(output)")
        return output
    }

    /// Starts the collector on an ephemeral loopback port; returns its base URL.
    private func startCollector() throws -> String {
        try run(["keys", "generate", "--out", dir.appendingPathComponent("keys").path])
        let process = Process()
        process.executableURL = try frontline()
        process.arguments = [
            "collector", "serve", "--listen", "127.0.0.1:0", "--db", dir.appendingPathComponent("collector.db").path,
            "--org-key", dir.appendingPathComponent("keys/org-report.jwk").path, "--enrolment-token", Self.token,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        collector = process
        var line = Data()
        while true {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        let range = try XCTUnwrap(text.range(of: #"http://\S+"#, options: .regularExpression), "no URL in: \(text)")
        return String(text[range])
    }

    private func open(collectorUrl: String, orgKey: String?) throws -> Companion {
        try Companion(
            dataDir: dir.path,
            config: testConfig(pseudonym: "stf-swift-sync", collectorUrl: collectorUrl, enrolmentToken: Self.token, orgReportKey: orgKey),
            keyStore: PlatformKeyStore(wrapper: AesGcmWrapper())
        )
    }

    func testQueuedReportsReachTheCollectorOnceThroughURLSession() async throws {
        let url = try startCollector()
        let orgKey = try String(contentsOf: dir.appendingPathComponent("keys/org-report.pub.jwk"), encoding: .utf8)
        let app = try open(collectorUrl: url, orgKey: orgKey)
        defer { app.shutdown() }
        _ = try app.lessonViewed(moduleId: "phishing")
        _ = try app.checkPosture(facts: currentIPhoneReadings().deviceFacts(), trigger: .user)
        let queued = try app.outboxStatus().pending
        XCTAssertGreaterThanOrEqual(queued, 2)

        let summary = try await SyncRunner.run(companion: app, transport: URLSessionTransport(requestTimeout: 10))
        XCTAssertEqual(summary.transportFailures, 0)
        XCTAssertGreaterThanOrEqual(summary.requests, 2) // enrolment, then the batch
        XCTAssertEqual(UInt64(summary.delivered), queued)
        let status = try app.outboxStatus()
        XCTAssertEqual(status.pending, 0)
        XCTAssertEqual(status.dead, 0)
        XCTAssertTrue(status.enrolled)
        XCTAssertNotNil(status.lastSuccessAt)
        XCTAssertNil(try app.nextSyncRequest())

        let report = try run(["collector", "report", "--db", dir.appendingPathComponent("collector.db").path, "--json"])
        for (kind, count) in [("devices", 1), ("posture_report", 1), ("training_statement", 1)] {
            XCTAssertNotNil(report.range(of: "\"\(kind)\"\\s*:\\s*\(count)\\b", options: .regularExpression), "\(kind) in \(report)")
        }
    }

    func testNoCollectorIsATransportFailureAndNothingIsLost() async throws {
        // A loopback port nobody listens on: the connection is refused.
        let app = try open(collectorUrl: "http://127.0.0.1:9", orgKey: nil)
        defer { app.shutdown() }
        _ = try app.lessonViewed(moduleId: "phishing")
        let before = try app.outboxStatus()
        let summary = try await SyncRunner.run(companion: app, transport: URLSessionTransport(requestTimeout: 5))
        XCTAssertEqual(summary.requests, 1)
        XCTAssertEqual(summary.transportFailures, 1)
        XCTAssertEqual(summary.delivered, 0)
        let after = try app.outboxStatus()
        XCTAssertEqual(after.pending + after.held, before.pending + before.held)
        XCTAssertFalse(after.enrolled)
        XCTAssertNil(try app.nextSyncRequest(), "the core backs off after a failure")

        XCTAssertEqual(URLSessionTransport.failure(for: URLError(.timedOut)), .timeout)
        XCTAssertEqual(URLSessionTransport.failure(for: URLError(.cannotFindHost)), .dns)
        XCTAssertEqual(URLSessionTransport.failure(for: URLError(.networkConnectionLost)), .reset)
        XCTAssertEqual(URLSessionTransport.failure(for: URLError(.serverCertificateUntrusted)), .other)
    }
}
