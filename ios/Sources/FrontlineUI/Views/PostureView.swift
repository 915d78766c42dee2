// The posture screen: the verdict, then each check needing action with what was found, a
// button that opens Settings (iOS has no public deep link to a settings page, so the app's
// Settings entry opens and the row says where to go) and the lesson that explains the fix.
// Dynamic Type (text styles only), one VoiceOver element per check.
// Apple-only: not compiled on Linux (docs/ios.md); PostureScreenModel is.
#if canImport(SwiftUI) && canImport(UIKit)
import FrontlineKit
import SwiftUI
import UIKit

public struct PostureView: View {
    @ObservedObject var model: AppModel
    @Environment(\.openURL) private var openURL

    public init(model: AppModel) {
        self.model = model
    }

    public var body: some View {
        List {
            if let posture = model.posture {
                Section {
                    Label(posture.headline, systemImage: posture.verdict == .compliant ? "checkmark.shield" : "exclamationmark.shield")
                        .font(.headline)
                        .accessibilityAddTraits(.isHeader)
                }
                Section("Checks") {
                    ForEach(posture.rows) { row in
                        VStack(alignment: .leading, spacing: 6) {
                            Text(row.title).font(.headline)
                            Text(row.statusWords).font(.subheadline).foregroundStyle(row.needsAction ? .red : .secondary)
                            Text(row.detail).font(.body)
                            if row.needsAction && row.opensSettings {
                                Button("Open Settings") {
                                    if let url = URL(string: UIApplication.openSettingsURLString) { openURL(url) }
                                }
                                .accessibilityHint("Opens the Settings app to fix \(row.title)")
                            }
                            if row.needsAction, let lesson = row.lessonId {
                                NavigationLink("Learn how to fix it") { LessonView(model: model, moduleId: lesson) }
                            }
                        }
                        .accessibilityElement(children: .contain)
                        .accessibilityLabel(row.accessibilityLabel)
                    }
                }
            } else {
                Text("This device has not been checked yet.").font(.body)
            }
        }
        .navigationTitle("Device security")
        .toolbar { Button("Check now") { model.checkPosture() } }
    }
}
#endif
