// What the app does about each `FrontlineError` (and a Rust panic), in one place: the screens
// and the background jobs switch on `FrontlineProblem`, never on the raw error.
// Platform-neutral; compiled and tested on Linux.
import Foundation

/// What the app should do about a failed call.
public enum FrontlineProblem: Equatable {
    /// Temporary (device locked, storage full): keep the data, try again later.
    case retryLater(String)
    /// The local store can no longer be read: tell the user, then `recoverLocalStore`.
    case offerRecovery
    /// The data was written by a newer app: update from the App Store; nothing was changed.
    case updateApp
    /// The organisation's managed configuration is invalid (keys named, never values).
    case badManagedConfig(keys: [String])
    /// The companion was shut down: open a new one.
    case reopen
    /// A refusal of this request (unknown module, bad input, refused bundle): show it.
    case refused(String)
    /// A bug (an internal failure or a Rust panic): report it, keep the app running.
    case internalFailure(String)

    /// Classifies any error a Frontline call threw.
    public init(_ error: Error) {
        guard let error = error as? FrontlineError else {
            // A Rust panic arrives as uniffi's internal error carrying the panic message.
            self = .internalFailure(String(describing: error))
            return
        }
        switch error {
        case .KeyStoreUnavailable:
            self = .retryLater("Unlock your device, then try again.")
        case .StorageFull:
            self = .retryLater("Your device storage is full. Free some space, then try again.")
        case .Storage:
            self = .retryLater("Frontline could not save. Try again.")
        case .KeyMismatch, .NotADatabase, .Tampered:
            self = .offerRecovery
        case .NewerDatabase:
            self = .updateApp
        case .InvalidConfig(let problems):
            self = .badManagedConfig(keys: problems.map(\.key).sorted())
        case .Closed:
            self = .reopen
        case .DataDirectory, .Internal:
            self = .internalFailure(error.localizedDescription)
        case .InvalidInput, .BundleRefused, .TrainingRefused, .AssessmentRefused, .IncidentRefused,
             .NotConfigured, .BadResponse, .UnknownRequest:
            self = .refused(String(describing: error))
        }
    }
}

/// An open companion, and what recovery did when the store had to be replaced.
public struct OpenedCompanion {
    public let companion: Companion
    /// Set when the old store could not be read and was moved aside.
    public let recovery: StoreRecovery?
}

/// Opens the companion; when the store can no longer be read (`offerRecovery`) and the user
/// agreed (`recover` returns true), recovers it, keeping every unsent report it still can.
public func openCompanion(
    dataDir: String, config: CompanionConfig, keyStore: KeyStore, recover: (FrontlineProblem) -> Bool
) throws -> OpenedCompanion {
    do {
        return OpenedCompanion(companion: try Companion(dataDir: dataDir, config: config, keyStore: keyStore), recovery: nil)
    } catch {
        let problem = FrontlineProblem(error)
        guard problem == .offerRecovery, recover(problem) else { throw error }
        let recovered = try recoverLocalStore(dataDir: dataDir, config: config, keyStore: keyStore)
        return OpenedCompanion(companion: recovered.companion, recovery: recovered.recovery)
    }
}
