// Why this file exists: the training list. Modules assigned to this member of staff's role, by
// track, with what is overdue or due first and the date that matters for each.
package org.frontline.sample

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.text.format.DateFormat
import android.widget.LinearLayout
import java.util.Date
import org.frontline.android.Frontline
import org.frontline.core.Audience
import org.frontline.core.TrainingModule
import org.frontline.core.TrainingStatus

class TrainingActivity : Activity() {
    private lateinit var column: Column

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_screen)
        setTitle(R.string.training_title)
        column = Column(this, findViewById<LinearLayout>(R.id.screen_content))
    }

    override fun onResume() {
        super.onResume()
        Frontline.run({ it.trainingModules() }) { result ->
            column.clear()
            result.onSuccess { show(it) }.onFailure { column.text(getString(R.string.screen_load_failed)) }
        }
    }

    private fun show(modules: List<TrainingModule>) {
        val tracks = TrainingTracks.group(modules)
        if (tracks.isEmpty()) column.text(getString(R.string.training_none))
        for (track in tracks) {
            column.heading(
                getString(if (track.audience == Audience.ALL_STAFF) R.string.training_track_all_staff else R.string.training_track_specialist),
                large = true,
            )
            for (module in track.modules) {
                column.heading(module.title)
                column.text(module.summary)
                column.note(statusWords(module))
                column.button(getString(R.string.training_open), getString(R.string.training_open_spoken, module.title)) {
                    startActivity(Intent(this, LessonActivity::class.java).putExtra(LessonActivity.EXTRA_MODULE_ID, module.id))
                }
            }
        }
    }

    private fun statusWords(module: TrainingModule): String {
        val due = module.dueAtMs?.let { DateFormat.getMediumDateFormat(this).format(Date(it)) }
        val minutes = resources.getQuantityString(R.plurals.training_minutes, module.minutes.toInt(), module.minutes.toInt())
        val status = when (module.status) {
            TrainingStatus.OVERDUE -> if (due != null) getString(R.string.training_overdue_since, due) else getString(R.string.training_overdue)
            TrainingStatus.DUE -> if (due != null) getString(R.string.training_due_by, due) else getString(R.string.training_due)
            TrainingStatus.IN_PROGRESS -> getString(R.string.training_in_progress)
            TrainingStatus.NOT_STARTED -> getString(R.string.training_not_started)
            TrainingStatus.COMPLETED -> if (due != null) getString(R.string.training_completed_next, due) else getString(R.string.training_completed)
        }
        return getString(R.string.training_status_line, status, minutes)
    }
}
