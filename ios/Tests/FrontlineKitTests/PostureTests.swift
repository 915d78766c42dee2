// Posture as the iOS app drives it: raw probe readings become the core's facts (unknown where
// iOS does not tell, each jailbreak signal named), the MDM's managed app configuration
// dictionary asks for a check exactly once, and the feedback dictionary is written where the
// MDM reads it. UserDefaults and NotificationCenter are Foundation's own, on Linux as on iOS.
import Foundation
import FrontlineKit
import FrontlineUI
import XCTest

final class PostureTests: CompanionTestCase {
    private var defaults: UserDefaults!
    private var suite: String!
    override var pseudonym: String { "stf-swift-posture" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        suite = "frontline-tests-\(UUID().uuidString)"
        defaults = try XCTUnwrap(UserDefaults(suiteName: suite))
    }

    override func tearDownWithError() throws {
        defaults.removePersistentDomain(forName: suite)
        try super.tearDownWithError()
    }

    func testProbeReadingsBecomeFactsWithUnknownsAndNamedSignals() throws {
        let facts = currentIPhoneReadings().deviceFacts()
        XCTAssertEqual(facts.platform, .ios)
        XCTAssertEqual(facts.osVersion, "27.1.1")
        XCTAssertEqual(facts.secureLockScreen, true)
        XCTAssertEqual(facts.storageEncryption, .dataProtectionOn)
        XCTAssertEqual(facts.rootSignals, [])
        // iOS does not tell an app these: unknown, never a pass.
        XCTAssertNil(facts.securityPatch)
        XCTAssertNil(facts.lockComplexity)
        XCTAssertNil(facts.developerOptions)

        var jailbroken = currentIPhoneReadings()
        jailbroken.passcode = .notSet
        jailbroken.jailbreakStoreFound = true
        jailbroken.wroteOutsideSandbox = true
        jailbroken.loadedImages = ["/usr/lib/libSystem.B.dylib", "/Library/MobileSubstrate/MobileSubstrate.dylib"]
        let bad = jailbroken.deviceFacts()
        XCTAssertEqual(bad.storageEncryption, .dataProtectionOff)
        XCTAssertEqual(bad.rootSignals, [.cydiaInstalled, .sandboxEscape, .suspiciousDylib])
        let report = try app.checkPosture(facts: bad, trigger: .user)
        XCTAssertEqual(report.verdict, .nonCompliant)
        XCTAssertEqual(report.checks.first { $0.checkId == "root_jailbreak" }?.status, .fail)

        // A lone weak signal (a debugger) is a warning, not a failure.
        var debugged = currentIPhoneReadings()
        debugged.debuggerAttached = true
        let warned = try app.checkPosture(facts: debugged.deviceFacts(), trigger: .user)
        XCTAssertEqual(warned.checks.first { $0.checkId == "root_jailbreak" }?.status, .warn)
        let screen = try XCTUnwrap(PostureScreenModel.load(companion: app, deviceLanguage: "en-GB"))
        XCTAssertEqual(screen.rows.first?.checkId, "root_jailbreak") // needing action first
        XCTAssertEqual(screen.rows.first?.status, .warn)

        // No reading at all: unknown, not "no signals".
        var blind = currentIPhoneReadings()
        (blind.passcode, blind.jailbreakStoreFound, blind.wroteOutsideSandbox) = (.unknown, nil, nil)
        (blind.loadedImages, blind.debuggerAttached) = (nil, nil)
        XCTAssertNil(blind.deviceFacts().rootSignals)
        XCTAssertNil(blind.deviceFacts().secureLockScreen)
    }

    func testManagedDictionaryRequestsOneCheckAndFeedbackIsWritten() throws {
        _ = try app.submitDeviceFacts(facts: currentIPhoneReadings().deviceFacts())
        // Typed plist values, as an MDM delivers them (specfile: integer, boolean, string).
        defaults.set([
            "posture_check_request_id": "mdm-req-41",
            "sync_interval_minutes": 30,
            "sync_wifi_only": true,
            "a_key_from_a_newer_app": "x",
        ] as [String: Any], forKey: ManagedAppConfig.configurationKey)
        let center = NotificationCenter()
        let observer = ManagedConfigObserver(companion: app, defaults: defaults)
        var outcomes: [ManagedConfigOutcome] = []
        observer.onApplied = { if case .success(let outcome) = $0 { outcomes.append(outcome) } }
        observer.start(center: center)
        // iOS posts this for every change of the app's defaults; ours included. One check only.
        for _ in 0..<3 { center.post(name: UserDefaults.didChangeNotification, object: defaults) }
        observer.stop(center: center)

        XCTAssertEqual(outcomes.count, 1)
        let report = try XCTUnwrap(outcomes.first?.postureReport)
        XCTAssertEqual(report.trigger, .mdm(requestId: "mdm-req-41"))
        XCTAssertEqual(outcomes.first?.ignoredKeys, ["a_key_from_a_newer_app"])
        XCTAssertEqual(try app.config().syncIntervalMinutes, 30)
        XCTAssertTrue(try app.config().syncWifiOnly)

        let feedback = try XCTUnwrap(defaults.dictionary(forKey: ManagedAppConfig.feedbackKey) as? [String: String])
        XCTAssertEqual(feedback["posture.request_id"], "mdm-req-41")
        XCTAssertEqual(feedback["posture.report_id"], report.reportId)
        XCTAssertEqual(feedback["posture.verdict"], "compliant", "\(report.checks.map { "\($0.checkId)=\($0.status)" })")
        XCTAssertFalse(feedback.values.contains { $0.contains("stf-swift-posture") })

        // The same request id from a fresh observer (an app restart) runs nothing in the core.
        let again = ManagedConfigObserver(companion: app, defaults: defaults).applyIfChanged()
        guard case .success(let repeated)? = again else { return XCTFail("expected an outcome") }
        XCTAssertNil(repeated.postureReport)
        XCTAssertFalse(repeated.postureCheckPending)
    }

    func testBadManagedValuesNameEveryKeyAndChangeNothing() throws {
        let before = try app.config()
        let (values, unusable) = ManagedAppConfig.textValues([
            "staff_pseudonym": "nurse.name@example.nhs.uk", "sync_interval_minutes": 2,
            "collector_url": "http://collector.example.org", "publisher_key": Data([1, 2]), "sync_wifi_only": false,
        ])
        XCTAssertEqual(unusable, ["publisher_key"])
        XCTAssertEqual(values["sync_interval_minutes"], "2")
        XCTAssertEqual(values["sync_wifi_only"], "false")
        XCTAssertThrowsError(try app.applyManagedConfig(config: values)) { error in
            XCTAssertEqual(FrontlineProblem(error), .badManagedConfig(keys: ["collector_url", "staff_pseudonym", "sync_interval_minutes"]))
            XCTAssertFalse(String(describing: error).contains("nurse.name"))
        }
        XCTAssertEqual(try app.config(), before)
    }

    func testServiceDeskWordsComeFromTheManagedContacts() throws {
        XCTAssertEqual(ContactWords.serviceDesk(try app.organisationContacts()), "contact your IT service desk")
        let managed: [String: Any] = ["org_name": "Example Trust", "it_service_desk_phone": "0300 123 4567"]
        _ = try app.applyManagedConfig(config: ManagedAppConfig.textValues(managed).values)
        let contacts = try app.organisationContacts()
        XCTAssertEqual(ContactWords.serviceDesk(contacts), "call the Example Trust IT service desk on 0300 123 4567")
        XCTAssertEqual(
            problemWords(.badManagedConfig(keys: ["collector_url"]), contacts: contacts),
            "Your organisation's settings have problems (collector_url). Call the Example Trust IT service desk on 0300 123 4567."
        )
    }
}
