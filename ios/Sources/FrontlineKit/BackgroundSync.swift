// Schedules SyncCoordinator: a BGProcessingTaskRequest that needs the network, every
// `sync_interval_minutes` (iOS decides the exact time), and a run each time the app returns to
// the foreground. Add "org.frontline.app.sync" to Info.plist BGTaskSchedulerPermittedIdentifiers
// and the "processing" background mode. Apple-only: not compiled on Linux (docs/ios.md).
#if canImport(BackgroundTasks) && canImport(UIKit)
import BackgroundTasks
import Foundation
import UIKit

public final class BackgroundSync: @unchecked Sendable {
    public static let taskIdentifier = "org.frontline.app.sync"
    private let companion: Companion
    private let coordinator: SyncCoordinator
    private var foregroundObserver: NSObjectProtocol?

    public init(companion: Companion) {
        self.companion = companion
        coordinator = SyncCoordinator(companion: companion)
    }

    /// Call before the app finishes launching (BGTaskScheduler requires it).
    public func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.taskIdentifier, using: nil) { [weak self] task in
            guard let self, let task = task as? BGProcessingTask else { return task.setTaskCompleted(success: false) }
            self.handle(task)
        }
        foregroundObserver = NotificationCenter.default.addObserver(
            forName: UIApplication.willEnterForegroundNotification, object: nil, queue: nil
        ) { [weak self] _ in
            guard let self else { return }
            Task.detached { _ = try? await self.coordinator.syncNow() }
        }
    }

    /// Asks iOS for the next run (replaces a pending request for the same identifier).
    public func schedule() {
        guard let config = try? companion.config() else { return }
        let request = BGProcessingTaskRequest(identifier: Self.taskIdentifier)
        request.requiresNetworkConnectivity = true
        request.requiresExternalPower = false
        request.earliestBeginDate = SyncSchedule.nextRun(after: Date(), config: config)
        try? BGTaskScheduler.shared.submit(request)
    }

    private func handle(_ task: BGProcessingTask) {
        schedule() // the next one, whatever happens to this one
        let work = Task.detached { [coordinator] in
            do {
                _ = try await coordinator.syncNow()
                task.setTaskCompleted(success: true)
            } catch {
                task.setTaskCompleted(success: false)
            }
        }
        task.expirationHandler = { work.cancel() }
    }
}
#endif
