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
                    ForEach(Array(LessonModel.blocks(detail.lessonMarkdown).enumerated()), id: \.offset) { _, block in
                        blockView(block)
                    }
                    if !detail.keyPoints.isEmpty {
                        Text("Key points").font(.headline).accessibilityAddTraits(.isHeader)
                        ForEach(detail.keyPoints, id: \.self) { point in
                            Label(point, systemImage: "checkmark.circle").font(.body)
                        }
                    }
                    NavigationLink(quizTitle(detail)) {
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

    private func quizTitle(_ detail: TrainingModuleDetail) -> String {
        "Take the quiz (pass mark \(detail.passMarkPercent)%)"
    }

    @ViewBuilder
    private func blockView(_ block: LessonBlock) -> some View {
        switch block {
        case .heading(let level, let text):
            Text(inline(text)).font(level <= 1 ? .title2 : .headline).accessibilityAddTraits(.isHeader)
        case .paragraph(let text):
            Text(inline(text)).font(.body)
        case .bullet(let text):
            Label { Text(inline(text)) } icon: { Text("•").accessibilityHidden(true) }.font(.body)
        case .numbered(let number, let text):
            Label { Text(inline(text)) } icon: { Text("\(number).") }.font(.body)
        }
    }

    private func inline(_ markdown: String) -> AttributedString {
        let options = AttributedString.MarkdownParsingOptions(interpretedSyntax: .inlineOnlyPreservingWhitespace)
        return (try? AttributedString(markdown: markdown, options: options)) ?? AttributedString(markdown)
    }
}
#endif
