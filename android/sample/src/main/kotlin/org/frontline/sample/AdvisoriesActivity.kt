// Why this file exists: the organisation's advisories that concern this phone, most severe
// first, each with what to do and an "I have read this" acknowledgement the core reports.
package org.frontline.sample

import android.app.Activity
import android.os.Bundle
import android.text.format.DateFormat
import android.widget.LinearLayout
import java.util.Date
import org.frontline.android.Frontline
import org.frontline.core.AdvisoryMatch
import org.frontline.core.Relevance
import org.frontline.core.Severity

class AdvisoriesActivity : Activity() {
    private lateinit var column: Column

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_screen)
        setTitle(R.string.advisories_title)
        column = Column(this, findViewById<LinearLayout>(R.id.screen_content))
    }

    override fun onResume() {
        super.onResume()
        load()
    }

    private fun load() {
        Frontline.run({ it.advisoriesForDevice() }) { result ->
            column.clear()
            result.onSuccess { show(it) }.onFailure { column.text(getString(R.string.screen_load_failed)) }
        }
    }

    private fun show(advisories: List<AdvisoryMatch>) {
        if (advisories.isEmpty()) column.text(getString(R.string.advisories_none))
        for (match in advisories) {
            val advisory = match.advisory
            column.heading(advisory.title)
            column.note(
                getString(
                    R.string.advisory_severity_relevance,
                    getString(
                        when (advisory.severity) {
                            Severity.CRITICAL -> R.string.severity_critical
                            Severity.HIGH -> R.string.severity_high
                            Severity.MEDIUM -> R.string.severity_medium
                            Severity.LOW -> R.string.severity_low
                        },
                    ),
                    getString(if (match.relevance == Relevance.AFFECTED) R.string.advisory_affected else R.string.advisory_possibly_affected),
                ),
            )
            column.text(advisory.summary)
            column.text(getString(R.string.advisory_what_to_do))
            advisory.actions.forEach { column.text("• $it") }
            val acknowledged = match.acknowledgedAtMs
            if (acknowledged != null) {
                column.note(getString(R.string.advisory_acknowledged_on, DateFormat.getMediumDateFormat(this).format(Date(acknowledged))))
            } else {
                column.button(getString(R.string.advisory_acknowledge), getString(R.string.advisory_acknowledge_spoken, advisory.title)) {
                    Frontline.run({ it.acknowledgeAdvisory(advisory.id) }) { load() }
                }
            }
        }
    }
}
