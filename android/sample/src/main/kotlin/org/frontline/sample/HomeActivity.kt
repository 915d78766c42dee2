// Why this file exists: the first screen. It answers "is this phone fit for patient data?"
// with the core's headline, lists each check that needs the member of staff in the core's words
// (why it matters, numbered steps, a button to the Settings screen that fixes it, what to do
// when nothing can fix it), shows whom to call as the organisation configured it, and leads to
// training, advisories and the outbox. All data and posture words come from the core through
// Frontline.run; this file only draws PostureSummary.
package org.frontline.sample

import android.app.Activity
import android.app.AlertDialog
import android.content.ActivityNotFoundException
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import android.text.format.DateFormat
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import java.util.Date
import java.util.Locale
import org.frontline.android.Frontline
import org.frontline.android.Opening
import org.frontline.core.CheckAdvice
import org.frontline.core.OrganisationContacts
import org.frontline.core.TrainingModule

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
        val language = Locale.getDefault().toLanguageTag()
        Frontline.run({ c -> PostureSummary.load(c, language) to c.trainingModules() }) { result ->
            result.onSuccess { (summary, modules) -> show(summary, modules) }
                .onFailure { verdict.setText(R.string.home_open_failed) }
        }
    }

    private fun checkNow() {
        verdict.setText(R.string.home_checking)
        Frontline.checkPosture(this) { result ->
            result.onSuccess { refresh() }.onFailure { verdict.setText(R.string.home_check_failed) }
        }
    }

    private fun show(summary: PostureSummary, modules: List<TrainingModule>) {
        verdict.text = summary.advice?.headline ?: getString(R.string.verdict_not_checked)
        checkedAt.text = summary.checkedAtMs?.let { getString(R.string.home_checked_at, formatDateTime(it)) } ?: ""
        checks.clear()
        for (check in summary.toFix) showCheck(check)
        summary.contacts?.let { showContacts(it) }
        val attention = TrainingTracks.needingAttention(modules)
        training.text = if (attention == 0) {
            getString(R.string.home_training_up_to_date)
        } else {
            resources.getQuantityString(R.plurals.home_training_attention, attention, attention)
        }
    }

    /** One check in the core's words: status, why, numbered steps, what to do if it cannot be fixed. */
    private fun showCheck(check: CheckAdvice) {
        checks.heading(check.title)
        checks.text(check.statusWords)
        checks.text(check.why)
        check.steps.forEachIndexed { i, step -> checks.text(getString(R.string.check_step, i + 1, step)) }
        check.cannotFix?.let { checks.text(it, android.R.style.TextAppearance_Material_Body2) }
        check.settingsTarget?.let { action ->
            checks.button(getString(R.string.check_open_settings), getString(R.string.check_open_settings_spoken, check.title)) {
                openSettings(action)
            }
        }
        check.lessonId?.let { lesson ->
            checks.button(getString(R.string.check_read_lesson), getString(R.string.check_read_lesson_spoken, check.title)) {
                startActivity(Intent(this, LessonActivity::class.java).putExtra(LessonActivity.EXTRA_MODULE_ID, lesson))
            }
        }
    }

    /** Whom to call, as the organisation set it in managed configuration. */
    private fun showContacts(contacts: OrganisationContacts) {
        checks.heading(contacts.orgName?.let { getString(R.string.contact_heading_named, it) } ?: getString(R.string.contact_heading))
        contacts.itServiceDeskPhone?.let { phone ->
            checks.button(getString(R.string.contact_call, phone), getString(R.string.contact_call_spoken, phone)) {
                open(Intent(Intent.ACTION_DIAL, Uri.fromParts("tel", phone, null)))
            }
        }
        contacts.itServiceDeskUrl?.let { url ->
            checks.button(getString(R.string.contact_web)) { open(Intent(Intent.ACTION_VIEW, Uri.parse(url))) }
        }
        contacts.igLeadContact?.let { checks.text(getString(R.string.contact_ig_lead, it)) }
    }

    /** Starts [intent]; a phone without an app for it (a tablet with no dialler) shows nothing. */
    private fun open(intent: Intent) {
        try {
            startActivity(intent)
        } catch (e: ActivityNotFoundException) {
            // The number and address stay on screen for the member of staff to use elsewhere.
        }
    }

    /** The core's Settings `Intent` action for this check on Android. */
    private fun openSettings(action: String) {
        try {
            startActivity(Intent(action))
        } catch (e: ActivityNotFoundException) {
            // A screen this phone lacks (BIOMETRIC_ENROLL before Android 11, a trimmed vendor
            // Settings): the main Settings screen is always there, and the steps name the path.
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
}
