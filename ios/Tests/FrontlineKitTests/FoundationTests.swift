// The foundation through the generated Swift, on Linux against the host library: a KeyStore in
// Swift (PlatformKeyStore over an AES-GCM wrapper, as KeychainKeyStore is over the Keychain),
// open / shutdown / reopen, a locked or lost platform key mapped to the core's typed errors and
// the recovery it leads to, a Rust panic arriving as a Swift error, and the log sink.
import Foundation
import FrontlineKit
import XCTest

final class FoundationTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("frontline-swift")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func open(_ wrapper: KeyWrapper) throws -> Companion {
        try Companion(dataDir: dir.path, config: testConfig(pseudonym: "stf-swift-1"), keyStore: PlatformKeyStore(wrapper: wrapper))
    }

    func testOpenShutdownAndReopenUnwrapsTheStoredKey() throws {
        let wrapper = AesGcmWrapper()
        let first = try open(wrapper)
        XCTAssertEqual(wrapper.wraps, 1)
        XCTAssertEqual(wrapper.unwraps, 0)
        XCTAssertGreaterThanOrEqual(try first.schemaVersion(), 1)
        first.shutdown()
        XCTAssertThrowsError(try first.schemaVersion()) { error in
            XCTAssertEqual(FrontlineProblem(error), .reopen)
        }
        first.shutdown() // harmless

        let second = try open(wrapper)
        XCTAssertEqual(wrapper.wraps, 1)
        XCTAssertEqual(wrapper.unwraps, 1)
        XCTAssertEqual(try second.config().staffPseudonym, "stf-swift-1")
        XCTAssertFalse(frontlineVersion().isEmpty)
    }

    func testLockedKeychainIsTemporaryAndWritesNothing() throws {
        XCTAssertThrowsError(try open(BrokenWrapper(failure: .locked))) { error in
            guard case FrontlineError.KeyStoreUnavailable = error else { return XCTFail("got \(error)") }
            guard case .retryLater = FrontlineProblem(error) else { return XCTFail("not retryLater") }
        }
        // Nothing was stored: a working key store starts afresh.
        let wrapper = AesGcmWrapper()
        _ = try open(wrapper).schemaVersion()
        XCTAssertEqual(wrapper.wraps, 1)
    }

    func testLostOrChangedKeyIsKeyMismatchAndRecoveryKeepsUnsentReports() throws {
        let wrapper = AesGcmWrapper()
        let companion = try open(wrapper)
        _ = try companion.lessonViewed(moduleId: "phishing") // one statement queued
        XCTAssertEqual(try companion.outboxStatus().pending, 1)
        companion.shutdown()

        // A key that is gone, a different key, a blob of another wrapping scheme: all permanent.
        for other in [BrokenWrapper(failure: .keyMissing) as KeyWrapper, AesGcmWrapper(), AesGcmWrapper(scheme: 1)] {
            XCTAssertThrowsError(try open(other)) { error in
                guard case FrontlineError.KeyMismatch = error else { return XCTFail("got \(error)") }
                XCTAssertEqual(FrontlineProblem(error), .offerRecovery)
            }
        }
        // The user declines: nothing is moved, the old key still opens the store.
        let newKey = AesGcmWrapper()
        XCTAssertThrowsError(try openCompanion(
            dataDir: dir.path, config: testConfig(pseudonym: "stf-swift-1"), keyStore: PlatformKeyStore(wrapper: newKey)
        ) { _ in false })
        XCTAssertEqual(try open(wrapper).outboxStatus().pending, 1)

        // The user agrees: the store is replaced under the new key.
        var asked: [FrontlineProblem] = []
        let opened = try openCompanion(
            dataDir: dir.path, config: testConfig(pseudonym: "stf-swift-1"), keyStore: PlatformKeyStore(wrapper: newKey)
        ) { problem in
            asked.append(problem)
            return true
        }
        XCTAssertEqual(asked, [.offerRecovery])
        XCTAssertEqual(opened.recovery?.quarantined, true)
        XCTAssertEqual(try opened.companion.trainingModules().first { $0.id == "phishing" }?.status, .notStarted)
    }

    func testRustPanicArrivesAsASwiftErrorAndTheCompanionKeepsWorking() throws {
        let companion = try open(AesGcmWrapper())
        XCTAssertThrowsError(try debugPanic(message: "from the Swift test")) { error in
            XCTAssertFalse(error is FrontlineError, "a panic is not a FrontlineError: \(error)")
            guard case .internalFailure(let text) = FrontlineProblem(error) else { return XCTFail("got \(error)") }
            XCTAssertTrue(text.contains("from the Swift test"), text)
        }
        XCTAssertGreaterThanOrEqual(try companion.schemaVersion(), 1)
        XCTAssertEqual(try companion.config().staffPseudonym, "stf-swift-1")
    }

    func testLogSinkReceivesRecordsWithoutPseudonymOrPath() throws {
        let sink = CapturingSink()
        setLogSink(sink: sink, maxLevel: .trace)
        let wrapper = AesGcmWrapper()
        try open(wrapper).shutdown()
        try open(wrapper).shutdown()
        let records = sink.records
        XCTAssertFalse(records.isEmpty)
        XCTAssertTrue(records.contains { $0.target.hasPrefix("frontline") })
        for record in records {
            XCTAssertFalse(record.message.contains("stf-swift-1"), record.message)
            XCTAssertFalse(record.message.contains(dir.lastPathComponent), record.message)
        }
    }
}

/// Collects log records (called from Rust, on whichever thread logged).
final class CapturingSink: LogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [LogRecord] = []
    var records: [LogRecord] { lock.withLock { collected } }

    func log(record: LogRecord) throws {
        lock.withLock { collected.append(record) }
    }
}
