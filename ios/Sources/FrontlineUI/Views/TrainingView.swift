// The training screen: modules by track, due and overdue first, each row read by VoiceOver as
// one sentence (title, status, date, length). Dynamic Type: text styles only.
// Apple-only: not compiled on Linux (docs/ios.md); TrainingScreenModel is.
#if canImport(SwiftUI)
import FrontlineKit
import SwiftUI

public struct TrainingView: View {
    @ObservedObject var model: AppModel

    public init(model: AppModel) {
        self.model = model
    }

    public var body: some View {
        List {
            ForEach(model.tracks) { track in
                Section {
                    ForEach(track.rows) { row in
                        NavigationLink { LessonView(model: model, moduleId: row.id) } label: {
                            VStack(alignment: .leading, spacing: 4) {
                                Text(row.title).font(.headline)
                                Text(row.statusWords).font(.subheadline)
                                if let date = row.dateWords {
                                    Text(date).font(.subheadline).foregroundStyle(row.needsAttention ? .red : .secondary)
                                }
                            }
                        }
                        .accessibilityElement(children: .ignore)
                        .accessibilityLabel(row.accessibilityLabel)
                        .accessibilityAddTraits(.isButton)
                    }
                } header: {
                    Text(track.title).accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle("Training")
    }
}
#endif
