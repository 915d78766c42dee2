// Why this file exists: the quiz. One question after another (radio buttons for single choice,
// check boxes for "choose all that apply"), then the core's score with the explanation for
// every question, so a wrong answer teaches something.
package org.frontline.sample

import android.app.Activity
import android.os.Bundle
import android.view.View
import android.widget.CheckBox
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.TextView
import org.frontline.android.Frontline
import org.frontline.core.QuestionKind
import org.frontline.core.QuizResult
import org.frontline.core.TrainingModuleDetail

class QuizActivity : Activity() {
    private lateinit var column: Column
    private lateinit var moduleId: String

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_screen)
        setTitle(R.string.quiz_title)
        column = Column(this, findViewById<LinearLayout>(R.id.screen_content))
        moduleId = intent.getStringExtra(LessonActivity.EXTRA_MODULE_ID) ?: return finish()
        Frontline.run({ it.trainingModule(moduleId) }) { result ->
            result.onSuccess { show(it) }.onFailure { column.text(getString(R.string.screen_load_failed)) }
        }
    }

    private fun show(detail: TrainingModuleDetail) {
        val form = QuizForm(detail.questions)
        column.heading(detail.module.title, large = true)
        column.note(getString(R.string.quiz_pass_mark, detail.passMarkPercent.toInt()))
        detail.questions.forEachIndexed { index, question ->
            column.heading(getString(R.string.quiz_question_number, index + 1, detail.questions.size))
            column.text(question.prompt)
            if (question.kind == QuestionKind.SINGLE) {
                val group = RadioGroup(this)
                group.contentDescription = question.prompt
                for (option in question.options) {
                    val button = RadioButton(this)
                    button.id = View.generateViewId()
                    button.text = option.text
                    button.setOnCheckedChangeListener { _, checked -> form.set(question.id, option.id, checked) }
                    group.addView(button)
                }
                column.add(group)
            } else {
                column.note(getString(R.string.quiz_choose_all))
                for (option in question.options) {
                    val box = CheckBox(this)
                    box.text = option.text
                    box.setOnCheckedChangeListener { _, checked -> form.set(question.id, option.id, checked) }
                    column.add(box)
                }
            }
        }
        val problem: TextView = column.text("")
        problem.accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        column.button(getString(R.string.quiz_submit)) {
            val missing = form.unanswered()
            if (missing.isNotEmpty()) {
                problem.text = resources.getQuantityString(R.plurals.quiz_unanswered, missing.size, missing.size)
                return@button
            }
            Frontline.run({ it.submitQuiz(moduleId, detail.packVersion, form.answers()) }) { result ->
                result.onSuccess { showResult(detail, it) }.onFailure { problem.setText(R.string.quiz_submit_failed) }
            }
        }
    }

    private fun showResult(detail: TrainingModuleDetail, result: QuizResult) {
        column.clear()
        column.heading(getString(if (result.passed) R.string.quiz_passed else R.string.quiz_not_passed), large = true)
            .accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        column.text(
            getString(
                R.string.quiz_score,
                result.scorePercent.toInt(),
                result.correctCount.toInt(),
                result.questionCount.toInt(),
                result.passMarkPercent.toInt(),
            ),
        )
        result.perQuestion.forEachIndexed { index, answer ->
            val prompt = detail.questions.firstOrNull { it.id == answer.questionId }?.prompt ?: ""
            column.heading(getString(R.string.quiz_question_number, index + 1, result.perQuestion.size))
            column.text(prompt)
            column.text(getString(if (answer.correct) R.string.quiz_answer_correct else R.string.quiz_answer_wrong))
            column.text(answer.explanation)
            answer.feedback.forEach { column.note(it) }
        }
        column.button(getString(R.string.quiz_back_to_training)) { finish() }
    }
}
