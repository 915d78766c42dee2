// What the training screens show, from the core's records: modules grouped by track (the
// pack's audience), each with its status and due or overdue date in words, and the VoiceOver
// label that reads the row as one sentence; a quiz session that collects answers and shows the
// core's explanations. The core decides status and dates; this only words them.
// Platform-neutral; tested on Linux. The SwiftUI views are in Views/.
import Foundation
import FrontlineKit

public struct TrainingRow: Identifiable, Equatable {
    public let id: String
    public let title: String
    public let minutes: UInt32
    public let statusWords: String
    /// "Refresher due 3 Jun 2027", "Overdue since 1 Dec 2026", nil when there is no date.
    public let dateWords: String?
    /// Due or overdue: shown first and marked.
    public let needsAttention: Bool
    public var accessibilityLabel: String {
        ([title, statusWords] + (dateWords.map { [$0] } ?? []) + ["\(minutes) minutes"]).joined(separator: ", ")
    }
}

public struct TrainingTrack: Identifiable, Equatable {
    public var id: String { title }
    public let title: String
    public let rows: [TrainingRow]
}

public enum TrainingScreenModel {
    public static func statusWords(_ status: TrainingStatus) -> String {
        switch status {
        case .notStarted: "Not started"
        case .inProgress: "In progress"
        case .completed: "Completed"
        case .due: "Refresher due soon"
        case .overdue: "Overdue"
        }
    }

    public static func trackTitle(_ audience: Audience) -> String {
        switch audience {
        case .allStaff: "Basic track (all staff)"
        case .specialist: "Advanced track (specialists)"
        }
    }

    /// Tracks in pack order; within a track, overdue and due modules first, then pack order.
    public static func tracks(_ modules: [TrainingModule], dates: DateFormatting = .init()) -> [TrainingTrack] {
        var order: [Audience] = []
        var byTrack: [Audience: [TrainingRow]] = [:]
        for module in modules {
            if byTrack[module.audience] == nil { order.append(module.audience) }
            byTrack[module.audience, default: []].append(row(module, dates: dates))
        }
        return order.map { audience in
            let rows = byTrack[audience] ?? []
            return TrainingTrack(title: trackTitle(audience), rows: rows.filter(\.needsAttention) + rows.filter { !$0.needsAttention })
        }
    }

    static func row(_ module: TrainingModule, dates: DateFormatting) -> TrainingRow {
        let due = module.dueAtMs.map { dates.day($0) }
        let dateWords: String? = switch module.status {
        case .overdue: due.map { "Overdue since \($0)" }
        case .due, .completed: due.map { "Refresher due \($0)" }
        case .notStarted, .inProgress: nil
        }
        return TrainingRow(
            id: module.id, title: module.title, minutes: module.minutes, statusWords: statusWords(module.status),
            dateWords: dateWords, needsAttention: module.status == .due || module.status == .overdue
        )
    }
}

/// Dates in words for the screens: day precision, in the user's locale and time zone.
public struct DateFormatting {
    private let formatter: DateFormatter

    public init(locale: Locale = .current, timeZone: TimeZone = .current) {
        formatter = DateFormatter()
        formatter.locale = locale
        formatter.timeZone = timeZone
        formatter.dateStyle = .medium
        formatter.timeStyle = .none
    }

    public func day(_ unixMillis: Int64) -> String {
        formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixMillis) / 1000))
    }
}

/// One quiz attempt: the learner's choices, then the core's marked result with explanations.
public struct QuizSession {
    public let detail: TrainingModuleDetail
    public private(set) var selected: [String: Set<String>] = [:]
    public private(set) var result: QuizResult?

    public init(detail: TrainingModuleDetail) {
        self.detail = detail
    }

    /// Single-choice questions keep one option; multiple-choice ones toggle.
    public mutating func choose(question: QuizQuestion, option: String) {
        if question.kind == .single {
            selected[question.id] = [option]
        } else {
            selected[question.id, default: []].formSymmetricDifference([option])
        }
    }

    public var answers: [QuizAnswer] {
        detail.questions.map { QuizAnswer(questionId: $0.id, optionIds: (selected[$0.id] ?? []).sorted()) }
    }

    /// Submits to the core (which scores and records); a new attempt starts with no choices.
    public mutating func submit(to companion: Companion) throws -> QuizResult {
        let marked = try companion.submitQuiz(moduleId: detail.module.id, packVersion: detail.packVersion, answers: answers)
        result = marked
        selected = [:]
        return marked
    }

    /// "4 of 5 correct (80%). Passed: the pass mark is 80%."
    public static func summary(_ result: QuizResult) -> String {
        let verdict = result.passed ? "Passed" : "Not passed yet"
        return "\(result.correctCount) of \(result.questionCount) correct (\(result.scorePercent)%). \(verdict): the pass mark is \(result.passMarkPercent)%."
    }
}
