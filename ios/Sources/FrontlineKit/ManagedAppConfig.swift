// iOS managed app configuration: the MDM writes a dictionary under the `UserDefaults` key
// `com.apple.configuration.managed` and reads feedback from `com.apple.feedback.managed`.
// This file is platform-neutral (Foundation's UserDefaults and NotificationCenter exist on
// Linux too) and tested there: the dictionary -> the core's text map, the feedback
// dictionary, and an observer that applies each *changed* dictionary once, so a new
// `posture_check_request_id` runs exactly one check (ADR 0122).
import Foundation

public enum ManagedAppConfig {
    /// The key iOS stores the MDM's configuration under.
    public static let configurationKey = "com.apple.configuration.managed"
    /// The key the MDM reads the app's feedback from.
    public static let feedbackKey = "com.apple.feedback.managed"

    /// The core takes text values: strings as they are, integers in decimal, booleans as
    /// `true`/`false`. Values of other plist types (dates, data, arrays, dictionaries) are not
    /// in the schema (ios/appconfig/specfile.xml); their keys are returned in `unusable`.
    public static func textValues(_ dictionary: [String: Any]) -> (values: [String: String], unusable: [String]) {
        var values: [String: String] = [:]
        var unusable: [String] = []
        for (key, value) in dictionary {
            if let text = text(value) {
                values[key] = text
            } else {
                unusable.append(key)
            }
        }
        return (values, unusable.sorted())
    }

    private static func text(_ value: Any) -> String? {
        switch value {
        case let text as String: return text
        // A plist number: a boolean is stored as a char ("c"), anything else must be whole.
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            let double = number.doubleValue
            guard double == double.rounded(), abs(double) < 1e15 else { return nil }
            return String(number.int64Value)
        case let flag as Bool: return flag ? "true" : "false"
        case let integer as Int: return String(integer)
        default: return nil
        }
    }

    /// The feedback dictionary for `com.apple.feedback.managed`, from the latest report.
    public static func feedback(_ feedback: MdmFeedback) -> [String: String] {
        feedback.iosManagedFeedback
    }
}

/// Applies the MDM's dictionary to the companion when it changes, and publishes feedback.
/// iOS posts `UserDefaults.didChangeNotification` for *any* change of the app's defaults,
/// including the feedback this class writes, so it applies a dictionary only when it differs
/// from the one applied last: pushing the same request id again, or a storm of notifications,
/// runs no second check.
public final class ManagedConfigObserver: @unchecked Sendable {
    private let companion: Companion
    private let defaults: UserDefaults
    // Recursive: writing feedback posts didChangeNotification on the same thread.
    private let lock = NSRecursiveLock()
    private var lastApplied: [String: String]?
    private var token: NSObjectProtocol?
    /// Called with the outcome of each application, or the problem of a refused dictionary.
    public var onApplied: ((Result<ManagedConfigOutcome, Error>) -> Void)?

    public init(companion: Companion, defaults: UserDefaults = .standard) {
        self.companion = companion
        self.defaults = defaults
    }

    /// Applies the current dictionary, then follows changes until `stop()`.
    public func start(center: NotificationCenter = .default) {
        applyIfChanged()
        token = center.addObserver(forName: UserDefaults.didChangeNotification, object: nil, queue: nil) { [weak self] _ in
            self?.applyIfChanged()
        }
    }

    public func stop(center: NotificationCenter = .default) {
        if let token { center.removeObserver(token) }
        token = nil
    }

    /// Applies the dictionary if it changed since the last application; returns the outcome,
    /// or nil when nothing changed. A refused dictionary changes nothing in the core and is
    /// not retried until the MDM changes it.
    @discardableResult
    public func applyIfChanged() -> Result<ManagedConfigOutcome, Error>? {
        let dictionary = defaults.dictionary(forKey: ManagedAppConfig.configurationKey) ?? [:]
        let values = ManagedAppConfig.textValues(dictionary).values
        lock.lock()
        defer { lock.unlock() }
        if values == lastApplied { return nil }
        lastApplied = values
        let result = Result { try companion.applyManagedConfig(config: values) }
        if case .success(let outcome) = result, outcome.postureReport != nil {
            publishFeedbackLocked()
        }
        onApplied?(result)
        return result
    }

    /// Writes the feedback of the latest report (call after a check the app ran itself too).
    public func publishFeedback() {
        lock.lock()
        defer { lock.unlock() }
        publishFeedbackLocked()
    }

    private func publishFeedbackLocked() {
        guard let feedback = try? companion.mdmFeedback() else { return }
        let dictionary = ManagedAppConfig.feedback(feedback)
        if dictionary.isEmpty { return }
        if defaults.dictionary(forKey: ManagedAppConfig.feedbackKey) as? [String: String] == dictionary { return }
        defaults.set(dictionary, forKey: ManagedAppConfig.feedbackKey)
    }
}
