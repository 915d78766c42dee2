// Why this file exists: the organisation's EMM console learns the posture verdict, each check
// and managed-config problems from Android Enterprise keyed app states. The states come from the
// core (Companion.mdmFeedback) or from here (config problems); this file decides when to send
// them (an immediate upload at most once a minute, the platform's limit) and hands them to a
// FeedbackPublisher. The only publisher that reaches the EMM is KeyedAppStatesPublisher, the one
// file that uses androidx.enterprise (docs/android.md, ADR 0112); it is looked up by name so
// that an app built without that dependency still runs, with feedback in Logcat only.
package org.frontline.android

import android.content.Context
import android.util.Log
import org.frontline.core.FeedbackSeverity
import org.frontline.core.KeyedAppState

/** Sends keyed app states to the EMM. */
fun interface FeedbackPublisher {
    /** `immediate`: ask for an upload now (MDM-requested checks), else with the next batch. */
    fun publish(states: List<KeyedAppState>, immediate: Boolean)

    companion object {
        /** Class name of the androidx.enterprise publisher (KeyedAppStatesPublisher.kt). */
        const val KEYED_APP_STATES_CLASS = "org.frontline.android.KeyedAppStatesPublisher"

        /** The androidx.enterprise publisher when the app has it, else one that only logs. */
        fun forApp(context: Context): FeedbackPublisher = try {
            Class.forName(KEYED_APP_STATES_CLASS)
                .getConstructor(Context::class.java)
                .newInstance(context.applicationContext) as FeedbackPublisher
        } catch (e: ReflectiveOperationException) {
            LOG_ONLY
        }

        /** Logs how many states would have been sent (never their contents). */
        val LOG_ONLY = FeedbackPublisher { states, _ ->
            Log.i(LogcatLogSink.TAG, "keyed app states not published (no androidx.enterprise): ${states.size}")
        }
    }
}

/** Decides immediate uploads: at most one a minute (Android Enterprise feedback limit). */
class FeedbackThrottle(private val minIntervalMs: Long = MIN_IMMEDIATE_INTERVAL_MS) {
    private var lastImmediateAtMs: Long? = null

    /** Whether an immediate upload may be asked for at `nowMs`; records it if so. */
    @Synchronized
    fun takeImmediate(nowMs: Long): Boolean {
        val last = lastImmediateAtMs
        // Within a minute either way: a clock set back a little must not allow a second upload.
        if (last != null && kotlin.math.abs(nowMs - last) < minIntervalMs) return false
        lastImmediateAtMs = nowMs
        return true
    }

    companion object {
        const val MIN_IMMEDIATE_INTERVAL_MS = 60_000L
    }
}

/** Keyed app states Frontline adds to the core's: the managed configuration's state. */
object ConfigFeedback {
    /** The key of the managed-configuration state. */
    const val KEY = "managed_config"
    private const val MAX_MESSAGE = 1000

    /** An error state naming the refused keys (never their values). */
    fun refused(keys: List<String>): KeyedAppState = KeyedAppState(
        key = KEY,
        severity = FeedbackSeverity.ERROR,
        message = "Managed configuration refused; previous configuration kept. Invalid keys: ${keys.sorted().joinToString(", ")}"
            .take(MAX_MESSAGE),
        data = null,
    )

    /** The info state that clears an earlier error in the EMM console. */
    fun applied(ignoredKeys: List<String>): KeyedAppState = KeyedAppState(
        key = KEY,
        severity = FeedbackSeverity.INFO,
        message = if (ignoredKeys.isEmpty()) {
            "Managed configuration applied"
        } else {
            "Managed configuration applied; unknown keys ignored: ${ignoredKeys.sorted().joinToString(", ")}".take(MAX_MESSAGE)
        },
        data = null,
    )
}
