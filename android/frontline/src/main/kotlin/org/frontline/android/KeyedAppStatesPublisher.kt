// Why this file exists: the one use of AndroidX in Frontline. Android Enterprise keyed app
// states reach the EMM only through androidx.enterprise:enterprise-feedback (a library, not a
// framework API). This file converts the core's KeyedAppState records into the library's and
// nothing else; when to send them is decided in MdmFeedback.kt, which finds this class by name
// (FeedbackPublisher.forApp). It is compiled by Gradle only: scripts/steps/android.sh leaves it
// out of the framework compile check because AndroidX is not in the Maven registry this project
// reaches (docs/android.md, ADR 0112).
package org.frontline.android

import android.content.Context
import androidx.enterprise.feedback.KeyedAppState as EmmState
import androidx.enterprise.feedback.KeyedAppStatesReporter
import org.frontline.core.FeedbackSeverity
import org.frontline.core.KeyedAppState

/** [FeedbackPublisher] on `KeyedAppStatesReporter` (one instance per process). */
class KeyedAppStatesPublisher(context: Context) : FeedbackPublisher {
    private val reporter = KeyedAppStatesReporter.create(context.applicationContext)

    override fun publish(states: List<KeyedAppState>, immediate: Boolean) {
        val converted = states.map { state ->
            EmmState.builder()
                .setKey(state.key)
                .setSeverity(if (state.severity == FeedbackSeverity.ERROR) EmmState.SEVERITY_ERROR else EmmState.SEVERITY_INFO)
                .setMessage(state.message)
                .setData(state.data)
                .build()
        }
        if (immediate) reporter.setStatesImmediate(converted, null) else reporter.setStates(converted, null)
    }
}
