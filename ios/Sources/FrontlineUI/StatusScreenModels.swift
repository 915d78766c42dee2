// What the posture, advisories and outbox screens show, from the core's records. The core
// decides verdicts, statuses, relevance and counts; this only words them and builds the
// VoiceOver labels. Platform-neutral; tested on Linux. The SwiftUI views are in Views/.
import Foundation
import FrontlineKit

public struct PostureRow: Identifiable, Equatable {
    public var id: String { checkId }
    public let checkId: String
    public let title: String
    public let status: CheckStatus
    public let statusWords: String
    /// What was seen against what the policy expects.
    public let detail: String
    /// The fix opens the Settings app (iOS has no public deep link to a settings page).
    public let opensSettings: Bool
    public let lessonId: String?
    public var needsAction: Bool { status == .fail || status == .unknown || status == .warn }
    public var accessibilityLabel: String { "\(title): \(statusWords). \(detail)" }
}

public struct PostureScreenModel: Equatable {
    public let verdict: Verdict
    public let headline: String
    /// Checks needing action first (fail, unknown, warn), then the rest, in policy order.
    public let rows: [PostureRow]

    public static func verdictWords(_ verdict: Verdict) -> String {
        switch verdict {
        case .compliant: "This device meets your organisation's security policy."
        case .inGrace: "This device needs attention: fix the items below before the deadline."
        case .nonCompliant: "This device does not meet your organisation's security policy."
        case .unknown: "Frontline could not check everything on this device."
        }
    }

    public static func statusWords(_ status: CheckStatus) -> String {
        switch status {
        case .pass: "OK"
        case .fail: "Needs fixing"
        case .warn: "Worth checking"
        case .unknown: "Could not check"
        case .notApplicable: "Not applicable"
        }
    }

    public init(report: PostureReport) {
        verdict = report.verdict
        headline = Self.verdictWords(report.verdict)
        let rows = report.checks.map { check in
            PostureRow(
                checkId: check.checkId, title: check.title, status: check.status,
                statusWords: Self.statusWords(check.status),
                detail: "Found: \(check.observed). Expected: \(check.expected).",
                opensSettings: check.remediation.settingsTarget != .none,
                lessonId: check.remediation.lessonId
            )
        }
        self.rows = rows.filter(\.needsAction) + rows.filter { !$0.needsAction }
    }
}

public struct AdvisoryRow: Identifiable, Equatable {
    public let id: String
    public let title: String
    public let summary: String
    public let severityWords: String
    public let relevanceWords: String
    public let actions: [String]
    public let acknowledged: Bool
    public var accessibilityLabel: String {
        "\(severityWords) advisory: \(title). \(relevanceWords)." + (acknowledged ? " Acknowledged." : "")
    }

    public init(_ match: AdvisoryMatch) {
        id = match.advisory.id
        title = match.advisory.title
        summary = match.advisory.summary
        severityWords = switch match.advisory.severity {
        case .critical: "Critical"
        case .high: "High"
        case .medium: "Medium"
        case .low: "Low"
        }
        relevanceWords = match.relevance == .affected ? "Affects this device" : "May affect this device"
        actions = match.advisory.actions
        acknowledged = match.acknowledgedAtMs != nil
    }
}

/// Whom to contact, in words, from the organisation's managed configuration.
public enum ContactWords {
    /// "call your IT service desk on 0300 123 4567", else its web page, else the plain words.
    public static func serviceDesk(_ contacts: OrganisationContacts?) -> String {
        let desk = contacts?.orgName.map { "the \($0) IT service desk" } ?? "your IT service desk"
        if let phone = contacts?.itServiceDeskPhone { return "call \(desk) on \(phone)" }
        if let url = contacts?.itServiceDeskUrl { return "contact \(desk) at \(url)" }
        return "contact \(desk)"
    }
}

public enum OutboxScreenModel {
    /// The status lines, most important first.
    public static func lines(
        _ status: OutboxStatus, contacts: OrganisationContacts? = nil, dates: DateFormatting = .init()
    ) -> [String] {
        var lines: [String] = []
        if status.reenrolmentNeeded {
            lines.append("This device must be enrolled again: \(ContactWords.serviceDesk(contacts)).")
        }
        lines.append(status.pending == 0 ? "Nothing waiting to be sent." : "\(status.pending) report(s) waiting to be sent.")
        if status.held > 0 { lines.append("\(status.held) report(s) held until your organisation's key is set.") }
        if status.dead > 0 { lines.append("\(status.dead) report(s) refused by the server: retry from here.") }
        lines.append(status.lastSuccessAt.map { "Last sent \(dates.day($0))." } ?? "Never sent yet.")
        if status.overLimit { lines.append("The outbox is full: the oldest routine reports are being replaced.") }
        return lines
    }
}

/// The words of a problem, for the banner.
public func problemWords(_ problem: FrontlineProblem, contacts: OrganisationContacts? = nil) -> String {
    switch problem {
    case .retryLater(let words): words
    case .offerRecovery: "Frontline cannot read its saved data. Restart the app to reset it; unsent reports are kept."
    case .updateApp: "Update Frontline from the App Store."
    case .badManagedConfig(let keys): "Your organisation's settings have problems (\(keys.joined(separator: ", "))). \(ContactWords.serviceDesk(contacts).capitalizedFirst)."
    case .reopen: "Frontline was closed. Restart the app."
    case .refused(let words): words
    case .internalFailure: "Something went wrong in Frontline. Try again."
    }
}

private extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
