// Training through the generated Swift and the sample's screen models: a module through lesson,
// a failed quiz (every explanation shown) and a passed one, its track, status and due date on
// the training screen, and the typed refusals.
import Foundation
import FrontlineKit
import FrontlineUI
import XCTest

final class TrainingTests: CompanionTestCase {
    override var pseudonym: String { "stf-swift-train" }

    private func row(_ id: String) throws -> TrainingRow? {
        let utc = DateFormatting(locale: Locale(identifier: "en_GB"), timeZone: TimeZone(identifier: "UTC")!)
        return TrainingScreenModel.tracks(try app.trainingModules(), dates: utc).flatMap(\.rows).first { $0.id == id }
    }

    func testLessonThenFailedQuizThenPassedQuiz() throws {
        let tracks = TrainingScreenModel.tracks(try app.trainingModules())
        XCTAssertEqual(tracks.map(\.title), ["Basic track (all staff)"])
        XCTAssertTrue(tracks[0].rows.allSatisfy { $0.statusWords == "Not started" && $0.dateWords == nil })

        let detail = try app.trainingModule(moduleId: "phishing")
        XCTAssertTrue(detail.lessonMarkdown.hasPrefix("# "))
        _ = try app.lessonViewed(moduleId: "phishing")
        XCTAssertEqual(try row("phishing")?.statusWords, "In progress")

        // First attempt: nothing chosen, so every answer is wrong; each one explained.
        var quiz = QuizSession(detail: detail)
        let failed = try quiz.submit(to: app)
        XCTAssertFalse(failed.passed)
        XCTAssertEqual(failed.scorePercent, 0)
        XCTAssertTrue(failed.perQuestion.allSatisfy { !$0.correct && !$0.explanation.isEmpty && !$0.correctOptionIds.isEmpty })
        XCTAssertTrue(QuizSession.summary(failed).hasPrefix("0 of \(detail.questions.count) correct (0%). Not passed yet"))

        // Second attempt: the options the explanations named, chosen as the learner would.
        for result in failed.perQuestion {
            let question = try XCTUnwrap(detail.questions.first { $0.id == result.questionId })
            for option in result.correctOptionIds { quiz.choose(question: question, option: option) }
        }
        let passed = try quiz.submit(to: app)
        XCTAssertTrue(passed.passed)
        XCTAssertEqual(passed.scorePercent, 100)
        XCTAssertEqual(passed.status, .completed)
        let due = try XCTUnwrap(passed.dueAtMs)

        let listed = try XCTUnwrap(try row("phishing"))
        XCTAssertEqual(listed.statusWords, "Completed")
        let utc = DateFormatting(locale: Locale(identifier: "en_GB"), timeZone: TimeZone(identifier: "UTC")!)
        XCTAssertEqual(listed.dateWords, "Refresher due \(utc.day(due))")
        XCTAssertTrue(listed.accessibilityLabel.hasPrefix("\(listed.title), Completed, Refresher due"))
        XCTAssertEqual(try app.trainingSummary().current, 1)
    }

    func testRefusalsAreTypedAndRecordNothing() throws {
        let version = try app.trainingPack().version
        func refusal(_ call: () throws -> Void) -> TrainingRefusal? {
            do {
                try call()
            } catch FrontlineError.TrainingRefused(let reason) {
                return reason
            } catch {
                XCTFail("unexpected \(error)")
            }
            return nil
        }
        XCTAssertEqual(refusal { _ = try app.trainingModule(moduleId: "incident-response") }, .notAssigned)
        XCTAssertEqual(refusal { _ = try app.lessonViewed(moduleId: "no-such-module") }, .unknownModule)
        XCTAssertEqual(refusal {
            _ = try app.submitQuiz(moduleId: "phishing", packVersion: version + 1, answers: [QuizAnswer(questionId: "q1", optionIds: ["a"])])
        }, .packVersionGone)
        XCTAssertTrue(try app.recentTrainingStatements(limit: 20).isEmpty)
        XCTAssertEqual(try row("phishing")?.statusWords, "Not started")
    }

    func testDueAndOverdueModulesComeFirstWithTheirDates() throws {
        let utc = DateFormatting(locale: Locale(identifier: "en_GB"), timeZone: TimeZone(identifier: "UTC")!)
        var modules = try app.trainingModules()
        XCTAssertGreaterThanOrEqual(modules.count, 3)
        modules[1].status = .overdue
        modules[1].dueAtMs = 1_764_547_200_000 // 1 Dec 2025
        modules[2].status = .due
        modules[2].dueAtMs = 1_796_083_200_000 // 1 Dec 2026
        let rows = TrainingScreenModel.tracks(modules, dates: utc)[0].rows
        XCTAssertEqual(rows.prefix(2).map(\.id), [modules[1].id, modules[2].id])
        XCTAssertEqual(rows[0].dateWords, "Overdue since 1 Dec 2025")
        XCTAssertEqual(rows[1].dateWords, "Refresher due 1 Dec 2026")
        XCTAssertTrue(rows[0].needsAttention && rows[1].needsAttention && !rows[2].needsAttention)
    }

    func testLessonMarkdownBecomesBlocksForTheScreen() throws {
        XCTAssertEqual(LessonModel.blocks("# Title\n\nOne\nline.\n\n## Steps\n1. First\n2. Second\n- A **bold** point\n  that wraps\n"), [
            .heading(level: 1, text: "Title"), .paragraph("One line."), .heading(level: 2, text: "Steps"),
            .numbered(1, "First"), .numbered(2, "Second"), .bullet("A **bold** point that wraps"),
        ])
        // Every lesson of the built-in pack: a heading first, and no Markdown block syntax left over.
        for module in try app.trainingModules() {
            let blocks = LessonModel.blocks(try app.trainingModule(moduleId: module.id).lessonMarkdown)
            guard case .heading(1, _)? = blocks.first else { return XCTFail("\(module.id) starts with \(String(describing: blocks.first))") }
            for case .paragraph(let text) in blocks {
                XCTAssertFalse(text.hasPrefix("#") || text.hasPrefix("- ") || text.range(of: #"^\d+\. "#, options: .regularExpression) != nil,
                               "\(module.id): \(text)")
            }
        }
    }
}
