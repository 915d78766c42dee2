// The posture screen: the core's headline, then each check in the core's words (status, why it
// matters, numbered steps, what to do when it cannot be fixed), a button to the Settings URL the
// core names (iOS has no public deep link to a settings page: it opens the Settings app and the
// steps give the path), the lesson that explains the fix, and whom to call as the organisation
// configured it. Dynamic Type (text styles only), one VoiceOver element per check.
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
                        CheckRowView(model: model, row: row) { openURL($0) }
                    }
                }
                if let desk = posture.serviceDesk {
                    Section(desk.heading) {
                        if let phone = desk.phone, let url = desk.phoneURL {
                            Button("Call \(phone)") { openURL(url) }
                        }
                        if let web = desk.webURL {
                            Button("Open the service desk's web page") { openURL(web) }
                        }
                        if let lead = desk.igLead {
                            Text("Information governance lead: \(lead)").font(.body)
                        }
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

private struct CheckRowView: View {
    @ObservedObject var model: AppModel
    let row: PostureRow
    let open: (URL) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(row.title).font(.headline)
            Text(row.statusWords).font(.subheadline).foregroundStyle(row.needsAction ? Color.red : Color.secondary)
            if row.needsAction {
                Text(row.why).font(.body)
                ForEach(row.steps, id: \.self) { Text($0).font(.body) }
                if let cannotFix = row.cannotFix {
                    Text(cannotFix).font(.body.weight(.semibold))
                }
                if let url = row.settingsURL {
                    Button("Open Settings") { open(url) }
                        .accessibilityHint("Opens the Settings app to fix \(row.title)")
                }
                if let lesson = row.lessonId {
                    NavigationLink("Learn how to fix it") { LessonView(model: model, moduleId: lesson) }
                }
            }
        }
        .accessibilityElement(children: .contain)
        .accessibilityLabel(row.accessibilityLabel)
    }
}
#endif
