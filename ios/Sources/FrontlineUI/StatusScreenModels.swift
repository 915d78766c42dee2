// What the advisories and outbox screens and the problem banner show, from the core's records.
// The core decides relevance and counts; this only words them and builds the VoiceOver labels.
// Platform-neutral; tested on Linux. The SwiftUI views are in Views/; the posture screen's
// words are the core's own (PostureScreenModel.swift).
import Foundation
import FrontlineKit

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
