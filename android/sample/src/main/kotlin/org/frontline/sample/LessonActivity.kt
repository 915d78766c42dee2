// Why this file exists: the lesson reader. Shows a module's lesson as headings, paragraphs and
// lists (LessonText), its key points, and leads to the quiz. Opening it records the lesson as
// viewed (the core queues the xAPI statement once per cycle).
package org.frontline.sample

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.widget.LinearLayout
import org.frontline.android.Frontline
import org.frontline.core.TrainingModuleDetail

class LessonActivity : Activity() {
    private lateinit var column: Column

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_screen)
        column = Column(this, findViewById<LinearLayout>(R.id.screen_content))
        val moduleId = intent.getStringExtra(EXTRA_MODULE_ID) ?: return finish()
        Frontline.run({ c -> c.trainingModule(moduleId).also { c.lessonViewed(moduleId) } }) { result ->
            result.onSuccess { show(it) }.onFailure { column.text(getString(R.string.screen_load_failed)) }
        }
    }

    private fun show(detail: TrainingModuleDetail) {
        title = detail.module.title
        column.heading(detail.module.title, large = true)
        column.note(resources.getQuantityString(R.plurals.training_minutes, detail.module.minutes.toInt(), detail.module.minutes.toInt()))
        for (block in LessonText.parse(detail.lessonMarkdown)) {
            when (block) {
                is LessonBlock.Heading -> column.heading(block.text, large = block.level <= 1)
                is LessonBlock.Paragraph -> column.text(block.text)
                is LessonBlock.ListItem -> column.text("${block.marker} ${block.text}")
            }
        }
        if (detail.keyPoints.isNotEmpty()) {
            column.heading(getString(R.string.lesson_key_points))
            detail.keyPoints.forEach { column.text("• $it") }
        }
        if (detail.questions.isNotEmpty()) {
            column.button(getString(R.string.lesson_take_quiz), getString(R.string.lesson_take_quiz_spoken, detail.module.title)) {
                startActivity(Intent(this, QuizActivity::class.java).putExtra(EXTRA_MODULE_ID, detail.module.id))
            }
        }
    }

    companion object {
        const val EXTRA_MODULE_ID = "org.frontline.sample.MODULE_ID"
    }
}
