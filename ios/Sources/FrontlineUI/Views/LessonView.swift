// One lesson: the Markdown text, its key points, and the quiz. Opening it records the lesson
// as viewed (the core queues the xAPI statement once per cycle).
// Apple-only: not compiled on Linux (docs/ios.md).
#if canImport(SwiftUI)
import FrontlineKit
import SwiftUI

public struct LessonView: View {
    @ObservedObject var model: AppModel
    let moduleId: String
    @State private var detail: TrainingModuleDetail?

    public init(model: AppModel, moduleId: String) {
        self.model = model
        self.moduleId = moduleId
    }

    public var body: some View {
        ScrollView {
            if let detail {
                VStack(alignment: .leading, spacing: 16) {
                    Text(lesson(detail.lessonMarkdown)).font(.body)
                    if !detail.keyPoints.isEmpty {
                        Text("Key points").font(.headline).accessibilityAddTraits(.isHeader)
                        ForEach(detail.keyPoints, id: \.self) { point in
                            Label(point, systemImage: "checkmark.circle").font(.body)
                        }
                    }
                    NavigationLink("Take the quiz (pass mark \(detail.passMarkPercent)%)") {
                        QuizView(model: model, session: QuizSession(detail: detail))
                    }
                    .font(.headline)
                }
                .padding()
            } else {
                ProgressView()
            }
        }
        .navigationTitle(detail?.module.title ?? "Lesson")
        .onAppear {
            guard detail == nil else { return }
            detail = model.module(moduleId)
            model.lessonViewed(moduleId)
        }
    }

    private func lesson(_ markdown: String) -> AttributedString {
        let options = AttributedString.MarkdownParsingOptions(interpretedSyntax: .inlineOnlyPreservingWhitespace)
        return (try? AttributedString(markdown: markdown, options: options)) ?? AttributedString(markdown)
    }
}
#endif
