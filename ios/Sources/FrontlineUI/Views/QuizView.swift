// The quiz: each question with its options (one choice or several), then the marked result
// with the core's explanation for every question, right or wrong, and a new attempt.
// Apple-only: not compiled on Linux (docs/ios.md); QuizSession is.
#if canImport(SwiftUI)
import FrontlineKit
import SwiftUI

public struct QuizView: View {
    @ObservedObject var model: AppModel
    @State var session: QuizSession

    public init(model: AppModel, session: QuizSession) {
        self.model = model
        _session = State(initialValue: session)
    }

    public var body: some View {
        Form {
            if let result = session.result {
                Section {
                    Text(QuizSession.summary(result)).font(.headline).accessibilityAddTraits(.isHeader)
                }
                ForEach(result.perQuestion, id: \.questionId) { marked in
                    Section {
                        Text(prompt(marked.questionId)).font(.body)
                        Label(marked.correct ? "Correct" : "Not correct", systemImage: marked.correct ? "checkmark" : "xmark")
                        Text(marked.explanation).font(.body)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
            ForEach(session.detail.questions, id: \.id) { question in
                Section(question.prompt) {
                    ForEach(question.options, id: \.id) { option in
                        let chosen = session.selected[question.id]?.contains(option.id) ?? false
                        Button {
                            session.choose(question: question, option: option.id)
                        } label: {
                            Label(option.text, systemImage: chosen ? "checkmark.circle.fill" : "circle")
                        }
                        .accessibilityAddTraits(chosen ? .isSelected : [])
                    }
                }
            }
            Button(session.result == nil ? "Submit answers" : "Submit a new attempt") {
                model.attempt { _ = try session.submit(to: model.companion) }
                model.reload()
            }
            .font(.headline)
        }
        .navigationTitle("Quiz")
    }

    private func prompt(_ questionId: String) -> String {
        session.detail.questions.first { $0.id == questionId }?.prompt ?? ""
    }
}
#endif
