// Why this file exists: the first screen. It answers "is this phone fit for patient data?"
// with the core's verdict, lists each check that needs the member of staff with the fix in
// plain words and a button to the Settings screen that fixes it, and leads to training,
// advisories and the outbox. All data comes from the core through Frontline.run.
package org.frontline.sample

import android.app.Activity
import android.app.AlertDialog
import android.content.ActivityNotFoundException
import android.content.Intent
import android.os.Build
import android.os.Bundle
import android.provider.Settings
import android.text.format.DateFormat
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import java.util.Date
import org.frontline.android.Frontline
import org.frontline.android.Opening
import org.frontline.core.CheckStatus
import org.frontline.core.PostureReport
import org.frontline.core.TrainingModule
import org.frontline.core.Verdict

class HomeActivity : Activity() {
    private lateinit var verdict: TextView
    private lateinit var checkedAt: TextView
    private lateinit var checks: Column
    private lateinit var training: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_home)
        verdict = findViewById(R.id.posture_verdict)
        checkedAt = findViewById(R.id.posture_checked_at)
        checks = Column(this, findViewById<LinearLayout>(R.id.posture_checks))
        training = findViewById(R.id.training_status)
        findViewById<Button>(R.id.check_now).setOnClickListener { checkNow() }
        findViewById<Button>(R.id.open_training).setOnClickListener { startActivity(Intent(this, TrainingActivity::class.java)) }
        findViewById<Button>(R.id.open_advisories).setOnClickListener { startActivity(Intent(this, AdvisoriesActivity::class.java)) }
        findViewById<Button>(R.id.open_outbox).setOnClickListener { startActivity(Intent(this, OutboxActivity::class.java)) }
    }

    override fun onResume() {
        super.onResume()
        verdict.setText(R.string.home_opening)
        (application as SampleApplication).whenOpened { opening ->
            when (opening) {
                is Opening.Ready -> refresh()
                is Opening.NeedsRecovery -> askToRecover()
                is Opening.Failed -> verdict.setText(R.string.home_open_failed)
            }
        }
    }

    private fun refresh() {
        Frontline.run({ c -> c.latestPostureReport() to c.trainingModules() }) { result ->
            result.onSuccess { (report, modules) -> show(report, modules) }
                .onFailure { verdict.setText(R.string.home_open_failed) }
        }
    }

    private fun checkNow() {
        verdict.setText(R.string.home_checking)
        Frontline.checkPosture(this) { result ->
            result.onSuccess { refresh() }.onFailure { verdict.setText(R.string.home_check_failed) }
        }
    }

    private fun show(report: PostureReport?, modules: List<TrainingModule>) {
        val summary = PostureSummary.of(report, Build.VERSION.SDK_INT)
        verdict.setText(
            when (summary.verdict) {
                null -> R.string.verdict_not_checked
                Verdict.COMPLIANT -> R.string.verdict_compliant
                Verdict.IN_GRACE -> R.string.verdict_in_grace
                Verdict.NON_COMPLIANT -> R.string.verdict_non_compliant
                Verdict.UNKNOWN -> R.string.verdict_unknown
            },
        )
        checkedAt.text = summary.checkedAtMs?.let { getString(R.string.home_checked_at, formatDateTime(it)) } ?: ""
        checks.clear()
        for (check in summary.toFix) {
            checks.heading(check.title)
            checks.text(
                getString(
                    when (check.status) {
                        CheckStatus.FAIL -> R.string.check_status_fail
                        CheckStatus.UNKNOWN -> R.string.check_status_unknown
                        else -> R.string.check_status_warn
                    },
                ),
            )
            checks.text(getString(R.string.check_seen_expected, check.observed, check.expected))
            check.graceDeadlineMs?.let { checks.note(getString(R.string.check_fix_by, formatDate(it))) }
            val action = check.settingsAction
            if (action != null) {
                checks.button(getString(R.string.check_open_settings), getString(R.string.check_open_settings_spoken, check.title)) {
                    openSettings(action)
                }
            } else {
                checks.text(getString(R.string.check_contact_it))
            }
            check.lessonId?.let { lesson ->
                checks.button(getString(R.string.check_read_lesson), getString(R.string.check_read_lesson_spoken, check.title)) {
                    startActivity(Intent(this, LessonActivity::class.java).putExtra(LessonActivity.EXTRA_MODULE_ID, lesson))
                }
            }
        }
        val attention = TrainingTracks.needingAttention(modules)
        training.text = if (attention == 0) {
            getString(R.string.home_training_up_to_date)
        } else {
            resources.getQuantityString(R.plurals.home_training_attention, attention, attention)
        }
    }

    private fun openSettings(action: String) {
        try {
            startActivity(Intent(action))
        } catch (e: ActivityNotFoundException) {
            // Some devices lack a specific screen: the main Settings screen is always there.
            startActivity(Intent(Settings.ACTION_SETTINGS))
        }
    }

    private fun askToRecover() {
        AlertDialog.Builder(this)
            .setTitle(R.string.recover_title)
            .setMessage(R.string.recover_message)
            .setPositiveButton(R.string.recover_confirm) { _, _ ->
                verdict.setText(R.string.home_opening)
                val app = application as SampleApplication
                app.recover()
                app.whenOpened { if (it is Opening.Ready) refresh() else verdict.setText(R.string.home_open_failed) }
            }
            .setNegativeButton(R.string.recover_later, null)
            .show()
    }

    private fun formatDateTime(ms: Long): String =
        DateFormat.getMediumDateFormat(this).format(Date(ms)) + " " + DateFormat.getTimeFormat(this).format(Date(ms))

    private fun formatDate(ms: Long): String = DateFormat.getMediumDateFormat(this).format(Date(ms))
}
