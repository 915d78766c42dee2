// Why this file exists: what the posture screen shows, decided in platform-neutral Swift that is
// compiled and tested on Linux, so PostureView (Apple-only) only lays it out. Every word about
// the device's posture is the core's (`postureAdvice`, issue #11): the headline, each check's
// status, why it matters, the steps, the Settings URL (`app-settings:`) and what to do when no
// setting can fix the device, naming the organisation's IT service desk. This file keeps no
// words of its own for posture: it orders the checks, numbers the steps, picks the language to
// ask for, and turns the organisation's managed contacts into something a button can open.
import Foundation
import FrontlineKit

public struct PostureRow: Identifiable, Equatable {
    public var id: String { checkId }
    public let checkId: String
    public let status: CheckStatus
    public let title: String
    public let statusWords: String
    public let why: String
    /// The core's steps, numbered ("1. Open Settings.").
    public let steps: [String]
    /// What to do when the steps cannot fix this device (the core's words), if any.
    public let cannotFix: String?
    /// The Settings screen to open, as the core names it for iOS; nil when none helps.
    public let settingsURL: URL?
    public let lessonId: String?
    public var needsAction: Bool { status == .fail || status == .unknown || status == .warn }
    public var accessibilityLabel: String { "\(title): \(statusWords)" }

    public init(_ advice: CheckAdvice) {
        checkId = advice.checkId
        status = advice.status
        title = advice.title
        statusWords = advice.statusWords
        why = advice.why
        steps = advice.steps.enumerated().map { "\($0.offset + 1). \($0.element)" }
        cannotFix = advice.cannotFix
        settingsURL = advice.settingsTarget.flatMap(URL.init(string:))
        lessonId = advice.lessonId
    }
}

/// Whom to call, as the organisation set it in managed configuration.
public struct ServiceDeskCard: Equatable {
    public let heading: String
    /// The number as the organisation wrote it, for reading.
    public let phone: String?
    /// `tel:` with the digits (and a leading `+`) only, for the Call button.
    public let phoneURL: URL?
    public let webURL: URL?
    public let igLead: String?

    /// Nil when the organisation configured no contact at all.
    public init?(_ contacts: OrganisationContacts) {
        guard contacts.orgName != nil || contacts.itServiceDeskPhone != nil
            || contacts.itServiceDeskUrl != nil || contacts.igLeadContact != nil
        else { return nil }
        heading = contacts.orgName.map { "\($0) IT service desk" } ?? "Your IT service desk"
        phone = contacts.itServiceDeskPhone
        phoneURL = contacts.itServiceDeskPhone.flatMap { number in
            let dialled = number.enumerated().filter { "0123456789".contains($0.element) || ($0.offset == 0 && $0.element == "+") }
            return dialled.isEmpty ? nil : URL(string: "tel:" + String(dialled.map(\.element)))
        }
        webURL = contacts.itServiceDeskUrl.flatMap(URL.init(string:))
        igLead = contacts.igLeadContact
    }
}

public struct PostureScreenModel: Equatable {
    public let verdict: Verdict
    /// The core's verdict for people ("Needs fixing by Friday 4 December").
    public let headline: String
    /// Checks needing action first (fail, then unknown, then warn), then the rest; the policy's
    /// order within each.
    public let rows: [PostureRow]
    public let serviceDesk: ServiceDeskCard?

    public init(advice: PostureAdvice, contacts: OrganisationContacts) {
        verdict = advice.verdict
        headline = advice.headline
        let rows = advice.checks.map(PostureRow.init)
        let rank: (CheckStatus) -> Int = { [CheckStatus.fail, .unknown, .warn].firstIndex(of: $0) ?? 3 }
        self.rows = rows.enumerated()
            .sorted { (rank($0.element.status), $0.offset) < (rank($1.element.status), $1.offset) }
            .map(\.element)
        serviceDesk = ServiceDeskCard(contacts)
    }

    /// The latest advice in the language the app's configuration names, else the device's
    /// (`deviceLanguage`, e.g. `Locale.preferredLanguages.first`); the core reads English for
    /// anything not translated. Nil before the first check.
    public static func load(companion: Companion, deviceLanguage: String) throws -> PostureScreenModel? {
        let language = try companion.config().locale ?? deviceLanguage
        guard let advice = try companion.postureAdviceIn(locale: language) else { return nil }
        return PostureScreenModel(advice: advice, contacts: try companion.organisationContacts())
    }
}
