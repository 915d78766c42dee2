// The sample app: opens Frontline in Application Support with the Keychain key store (offering
// recovery if the local store can no longer be read), installs the OSLog sink, follows the
// MDM's managed configuration, schedules background sync, and shows the four tabs.
// Apple-only: built with Xcode from project.yml (docs/ios.md), not on Linux.
import FrontlineKit
import FrontlineUI
import SwiftUI

@main
struct FrontlineSampleApp: App {
    @UIApplicationDelegateAdaptor private var delegate: SampleAppDelegate

    var body: some Scene {
        WindowGroup {
            if let model = delegate.model {
                TabView {
                    NavigationStack { PostureView(model: model) }.tabItem { Label("Security", systemImage: "lock.shield") }
                    NavigationStack { TrainingView(model: model) }.tabItem { Label("Training", systemImage: "book") }
                    NavigationStack { AdvisoriesView(model: model) }.tabItem { Label("Advisories", systemImage: "bell") }
                    NavigationStack { OutboxView(model: model) }.tabItem { Label("Outbox", systemImage: "tray.and.arrow.up") }
                }
                .overlay(alignment: .bottom) { ProblemBanner(model: model) }
            } else {
                Text(delegate.openFailure ?? "Opening…").font(.body).padding()
            }
        }
    }
}

/// Opens the companion before launch finishes: BGTaskScheduler needs its handler registered by then.
final class SampleAppDelegate: NSObject, UIApplicationDelegate, ObservableObject {
    @Published var model: AppModel?
    @Published var openFailure: String?
    private var managedConfig: ManagedConfigObserver?
    private var background: BackgroundSync?

    func application(_ application: UIApplication, didFinishLaunchingWithOptions options: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        OSLogSink.install(level: .info)
        do {
            let dir = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
                .appendingPathComponent("frontline", isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            // The sample's own configuration; the MDM's managed configuration overrides it.
            let config = CompanionConfig(
                organisationId: "example-trust", organisationUrl: "https://example-trust.example",
                staffPseudonym: "stf-sample", staffRole: .allStaff, collectorUrl: nil, enrolmentToken: nil,
                publisherKey: nil, orgReportKey: nil, postureCheckRequestId: nil, syncIntervalMinutes: 60, syncWifiOnly: false,
                locale: Locale.current.identifier
            )
            // A real app asks the user first; the sample accepts (unsent reports are kept).
            let opened = try openCompanion(dataDir: dir.path, config: config, keyStore: KeychainKeyStore()) { _ in true }
            let companion = opened.companion
            _ = try? companion.submitDeviceFacts(facts: IOSPostureProbe.readings().deviceFacts())
            let observer = ManagedConfigObserver(companion: companion)
            observer.start()
            observer.publishFeedback()
            managedConfig = observer
            let sync = BackgroundSync(companion: companion)
            sync.register()
            sync.schedule()
            background = sync
            model = AppModel(companion: companion)
        } catch {
            openFailure = problemWords(FrontlineProblem(error))
        }
        return true
    }
}

struct ProblemBanner: View {
    @ObservedObject var model: AppModel

    var body: some View {
        if let problem = model.problem {
            Text(problemWords(problem, contacts: model.contacts))
                .font(.callout)
                .padding()
                .background(.thinMaterial, in: RoundedRectangle(cornerRadius: 12))
                .padding()
                .onTapGesture { model.problem = nil }
                .accessibilityAddTraits(.isStaticText)
                .accessibilityHint("Double-tap to dismiss")
        }
    }
}
