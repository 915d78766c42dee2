// The sample's state: one Companion, the screens' models reloaded after each action, and every
// failure turned into a FrontlineProblem for the banner. Apple-only (Combine's
// ObservableObject): not compiled on Linux (docs/ios.md); the models it builds are.
#if canImport(SwiftUI)
import Foundation
import FrontlineKit
import SwiftUI

@MainActor
public final class AppModel: ObservableObject {
    public let companion: Companion
    private let sync: SyncCoordinator
    @Published public private(set) var posture: PostureScreenModel?
    @Published public private(set) var tracks: [TrainingTrack] = []
    @Published public private(set) var advisories: [AdvisoryRow] = []
    @Published public private(set) var outboxLines: [String] = []
    @Published public private(set) var deadLetters = 0
    @Published public var problem: FrontlineProblem?
    @Published public private(set) var contacts: OrganisationContacts?

    public init(companion: Companion) {
        self.companion = companion
        sync = SyncCoordinator(companion: companion)
        reload()
    }

    /// Runs a core call; a failure becomes the banner's problem.
    @discardableResult
    func attempt<T>(_ call: () throws -> T) -> T? {
        do {
            return try call()
        } catch {
            problem = FrontlineProblem(error)
            return nil
        }
    }

    public func reload() {
        attempt {
            posture = try PostureScreenModel.load(companion: companion, deviceLanguage: Locale.preferredLanguages.first ?? "en")
            tracks = TrainingScreenModel.tracks(try companion.trainingModules())
            advisories = try companion.advisoriesForDevice().map(AdvisoryRow.init)
            contacts = try companion.organisationContacts()
            let status = try companion.outboxStatus()
            outboxLines = OutboxScreenModel.lines(status, contacts: contacts)
            deadLetters = Int(status.dead)
        }
    }

    public func checkPosture() {
        #if canImport(LocalAuthentication)
        attempt { _ = try companion.checkPosture(facts: IOSPostureProbe.readings().deviceFacts(), trigger: .user) }
        #endif
        reload()
    }

    public func acknowledge(_ id: String) {
        attempt { _ = try companion.acknowledgeAdvisory(advisoryId: id) }
        reload()
    }

    public func module(_ id: String) -> TrainingModuleDetail? {
        attempt { try companion.trainingModule(moduleId: id) }
    }

    public func lessonViewed(_ id: String) {
        attempt { _ = try companion.lessonViewed(moduleId: id) }
        reload()
    }

    public func retryDeadLetters() {
        attempt { _ = try companion.retryDeadLetters() }
        reload()
    }

    public func syncNow() async {
        do {
            _ = try await sync.syncNow()
        } catch {
            problem = FrontlineProblem(error)
        }
        reload()
    }
}

#endif
