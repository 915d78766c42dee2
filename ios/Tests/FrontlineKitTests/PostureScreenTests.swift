// The posture screen's model on Linux, against the real core: every word is the core's advice
// (headline, status, why, steps, what to do when nothing fixes the device), in the order the
// member of staff needs it, with the Settings URL the core names for iOS and the organisation's
// managed contacts turned into what the Call and web buttons open.
import Foundation
import FrontlineKit
import FrontlineUI
import XCTest

final class PostureScreenTests: CompanionTestCase {
    override var pseudonym: String { "stf-swift-screen" }

    func testTheScreenShowsTheCoresAdviceWithFixesFirst() throws {
        XCTAssertNil(try PostureScreenModel.load(companion: app, deviceLanguage: "en-GB"), "no check yet")
        var readings = currentIPhoneReadings()
        readings.passcode = .notSet
        readings.debuggerAttached = true
        _ = try app.checkPosture(facts: readings.deviceFacts(), trigger: .user)

        let screen = try XCTUnwrap(PostureScreenModel.load(companion: app, deviceLanguage: "en-GB"))
        let advice = try XCTUnwrap(app.postureAdvice())
        XCTAssertEqual(screen.verdict, advice.verdict)
        XCTAssertEqual(screen.headline, advice.headline)
        XCTAssertEqual(screen.rows.map(\.checkId).sorted(), advice.checks.map(\.checkId).sorted())
        let ranks = screen.rows.map { [CheckStatus.fail, .unknown, .warn].firstIndex(of: $0.status) ?? 3 }
        XCTAssertEqual(ranks, ranks.sorted(), "failures, then unknowns, then recommendations, then the rest")
        XCTAssertEqual(screen.rows.first { $0.status == .warn }?.checkId, "root_jailbreak") // a lone debugger

        let lock = try XCTUnwrap(screen.rows.first)
        let words = try XCTUnwrap(advice.checks.first { $0.checkId == "screen_lock" })
        XCTAssertEqual(lock.checkId, "screen_lock")
        XCTAssertEqual(lock.status, .fail)
        XCTAssertEqual(lock.statusWords, words.statusWords)
        XCTAssertEqual(lock.why, words.why)
        XCTAssertEqual(lock.steps, words.steps.enumerated().map { "\($0.offset + 1). \($0.element)" })
        XCTAssertTrue(lock.steps.contains { $0.contains("Face ID & Passcode") }, "\(lock.steps)")
        XCTAssertEqual(lock.settingsURL, URL(string: "app-settings:"))
        XCTAssertEqual(lock.lessonId, "screen-lock")
        XCTAssertEqual(lock.accessibilityLabel, "\(words.title): \(words.statusWords)")
        XCTAssertNil(lock.cannotFix)
        XCTAssertFalse(screen.rows.contains { $0.settingsURL?.absoluteString.hasPrefix("android.") ?? false })
        XCTAssertNil(screen.serviceDesk, "nothing configured: no contact card")
    }

    func testAJailbrokenPhoneSaysWhomToCallFromManagedConfig() throws {
        let managed: [String: Any] = [
            "org_name": "Example Community Health NHS Trust", "it_service_desk_phone": "+44 300 123 4567",
            "it_service_desk_url": "https://it.example-trust.example/help", "ig_lead_contact": "dpo@example-trust.example",
        ]
        _ = try app.applyManagedConfig(config: ManagedAppConfig.textValues(managed).values)
        var readings = currentIPhoneReadings()
        readings.jailbreakStoreFound = true
        readings.wroteOutsideSandbox = true
        _ = try app.checkPosture(facts: readings.deviceFacts(), trigger: .user)

        let screen = try XCTUnwrap(PostureScreenModel.load(companion: app, deviceLanguage: "cy-GB")) // no Welsh yet: English
        XCTAssertEqual(screen.verdict, .nonCompliant)
        let root = try XCTUnwrap(screen.rows.first)
        XCTAssertEqual(root.checkId, "root_jailbreak")
        XCTAssertEqual(root.status, .fail)
        XCTAssertNil(root.settingsURL, "no setting fixes a jailbroken phone")
        let cannotFix = try XCTUnwrap(root.cannotFix)
        XCTAssertTrue(cannotFix.contains("Example Community Health NHS Trust IT service desk on +44 300 123 4567"), cannotFix)

        let desk = try XCTUnwrap(screen.serviceDesk)
        XCTAssertEqual(desk.heading, "Example Community Health NHS Trust IT service desk")
        XCTAssertEqual(desk.phone, "+44 300 123 4567")
        XCTAssertEqual(desk.phoneURL, URL(string: "tel:+443001234567"))
        XCTAssertEqual(desk.webURL, URL(string: "https://it.example-trust.example/help"))
        XCTAssertEqual(desk.igLead, "dpo@example-trust.example")
        XCTAssertEqual(try PostureScreenModel.load(companion: app, deviceLanguage: "en-GB"), screen)
    }
}
