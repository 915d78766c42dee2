// Why this file exists: "have my reports gone?" The outbox at a glance ("3 reports waiting, last
// sent 10:42"), what stops sending (a pause the collector asked for, enrolment), reports the
// collector refused for good, and a way to send now.
package org.frontline.sample

import android.app.Activity
import android.os.Bundle
import android.text.format.DateFormat
import android.view.View
import android.widget.LinearLayout
import java.util.Date
import org.frontline.android.Frontline
import org.frontline.android.SyncJobPlan
import org.frontline.android.SyncJobs
import org.frontline.core.CompanionConfig
import org.frontline.core.OutboxStatus

class OutboxActivity : Activity() {
    private lateinit var column: Column

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_screen)
        setTitle(R.string.outbox_title)
        column = Column(this, findViewById<LinearLayout>(R.id.screen_content))
    }

    override fun onResume() {
        super.onResume()
        load()
    }

    private fun load() {
        Frontline.run({ it.outboxStatus() to it.config() }) { result ->
            column.clear()
            result.onSuccess { (status, config) -> show(status, config) }
                .onFailure { column.text(getString(R.string.screen_load_failed)) }
        }
    }

    private fun show(status: OutboxStatus, config: CompanionConfig) {
        val summary = OutboxSummary.of(status, System.currentTimeMillis())
        val waiting = summary.waiting.toInt()
        val lastSent = summary.lastSentAtMs?.let { DateFormat.getTimeFormat(this).format(Date(it)) }
        column.heading(
            when {
                summary.state == OutboxSummary.State.ALL_SENT && lastSent != null -> getString(R.string.outbox_all_sent_at, lastSent)
                summary.state == OutboxSummary.State.ALL_SENT -> getString(R.string.outbox_all_sent)
                lastSent != null -> resources.getQuantityString(R.plurals.outbox_waiting_last_sent, waiting, waiting, lastSent)
                else -> resources.getQuantityString(R.plurals.outbox_waiting, waiting, waiting)
            },
            large = true,
        ).accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        when (summary.state) {
            OutboxSummary.State.ENROL_AGAIN -> column.text(getString(R.string.outbox_enrol_again))
            OutboxSummary.State.SENDING_PAUSED -> summary.nextAttemptAtMs?.let {
                column.text(getString(R.string.outbox_paused_until, DateFormat.getTimeFormat(this).format(Date(it))))
            }
            else -> Unit
        }
        if (config.collectorUrl == null) column.text(getString(R.string.outbox_no_collector))
        if (summary.failed > 0) {
            column.text(resources.getQuantityString(R.plurals.outbox_failed, summary.failed.toInt(), summary.failed.toInt()))
            column.button(getString(R.string.outbox_retry_failed)) {
                Frontline.run({ it.retryDeadLetters() }) { load() }
            }
        }
        column.button(getString(R.string.outbox_send_now)) {
            SyncJobs.schedule(this, SyncJobPlan(delayMs = 0, unmeteredOnly = config.syncWifiOnly))
            column.note(getString(R.string.outbox_send_scheduled))
        }
    }
}
