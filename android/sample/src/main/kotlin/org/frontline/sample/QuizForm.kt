// Why this file exists: the answers a member of staff has picked on the quiz screen, kept apart
// from the views so the JVM tests check single- and multiple-choice behaviour and what is sent
// to the core (scoring is the core's).
package org.frontline.sample

import org.frontline.core.QuestionKind
import org.frontline.core.QuizAnswer
import org.frontline.core.QuizQuestion

/** The picked options per question. */
class QuizForm(private val questions: List<QuizQuestion>) {
    private val picked = questions.associate { it.id to linkedSetOf<String>() }

    /** Picks or un-picks `optionId`; a single-choice question keeps only the last pick. */
    fun set(questionId: String, optionId: String, checked: Boolean) {
        val question = questions.firstOrNull { it.id == questionId } ?: return
        val options = picked.getValue(questionId)
        if (!checked) {
            options.remove(optionId)
            return
        }
        if (question.kind == QuestionKind.SINGLE) options.clear()
        options += optionId
    }

    fun picked(questionId: String): Set<String> = picked[questionId].orEmpty()

    /** Questions still without an answer, in order. */
    fun unanswered(): List<QuizQuestion> = questions.filter { picked.getValue(it.id).isEmpty() }

    /** The answers for `submitQuiz`. */
    fun answers(): List<QuizAnswer> = questions.map { QuizAnswer(it.id, picked.getValue(it.id).toList()) }
}
