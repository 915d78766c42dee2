// Why this file exists: the organisation's MDM configures Frontline through Android managed
// configurations. The rules (validation, what a key means, running one check per request id)
// live in the core; this file is the Android side of the handshake: read the map, turn its
// values into the text the core takes, hand it over, make sure a new posture_check_request_id
// is answered from fresh facts, and tell the EMM what happened. It is called on start, on
// resume, from the scheduled job and on ACTION_APPLICATION_RESTRICTIONS_CHANGED (Frontline.kt),
// so it skips a map it has already handled.
package org.frontline.android

import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.core.ConfigProblem
import org.frontline.core.DeviceFacts
import org.frontline.core.PostureReport

/** The MDM's map as the device holds it (`RestrictionsManager` on a device). */
fun interface RestrictionsSource {
    /** Key → value (String, Boolean, Int, Long; other types are not in Frontline's schema). */
    fun read(): Map<String, Any?>
}

/** What one refresh of the managed configuration did. */
sealed class ConfigRefresh {
    /** The map is the one already handled. */
    object Unchanged : ConfigRefresh()

    /** The map could not be read; the configuration in force stays. */
    object Unreadable : ConfigRefresh()

    /** Applied. `report` is the check a new `posture_check_request_id` ran. */
    data class Applied(
        val ignoredKeys: List<String>,
        val report: PostureReport?,
        val checkPending: Boolean,
    ) : ConfigRefresh()

    /** Refused: the previous configuration stays in force; each problem names a key. */
    data class Refused(val problems: List<ConfigProblem>) : ConfigRefresh()
}

/** Reads the managed configuration and applies it to the core. Thread-safe. */
class ManagedConfiguration(
    private val companion: FrontlineCompanion,
    private val source: RestrictionsSource,
    private val facts: () -> DeviceFacts,
    private val feedback: FeedbackPublisher,
    private val throttle: FeedbackThrottle = FeedbackThrottle(),
    private val nowMs: () -> Long = System::currentTimeMillis,
) {
    private var handled: Map<String, String>? = null

    /** Reads the map and applies it unless it is the one already handled. */
    @Synchronized
    fun refresh(): ConfigRefresh {
        val map = try {
            asText(source.read())
        } catch (e: RuntimeException) {
            return ConfigRefresh.Unreadable
        }
        if (map == handled) return ConfigRefresh.Unchanged
        val requestId = map[REQUEST_ID_KEY]?.takeIf { it.isNotEmpty() }
        if (requestId != null && requestId != companion.config().postureCheckRequestId) {
            // The check the MDM asks for must describe the device now, not the last facts.
            companion.submitDeviceFacts(facts())
        }
        val outcome = try {
            companion.applyManagedConfig(map)
        } catch (e: FrontlineException.InvalidConfig) {
            handled = map // the same bad map is reported once, not on every resume
            feedback.publish(listOf(ConfigFeedback.refused(e.problems.map { it.key })), immediate = false)
            return ConfigRefresh.Refused(e.problems)
        }
        handled = map
        val states = mutableListOf(ConfigFeedback.applied(outcome.ignoredKeys))
        val report = outcome.postureReport
        if (report != null) states += companion.mdmFeedback().keyedAppStates
        feedback.publish(states, immediate = report != null && throttle.takeImmediate(nowMs()))
        return ConfigRefresh.Applied(outcome.ignoredKeys, report, outcome.postureCheckPending)
    }

    companion object {
        /** The managed-config key whose new value asks for one posture check. */
        const val REQUEST_ID_KEY = "posture_check_request_id"

        /**
         * The map as the core takes it: text values (`true`/`false`, decimal numbers). Keys
         * without a value are "not set"; values of types outside the schema are left out, and
         * the core reports a missing required key itself.
         */
        fun asText(raw: Map<String, Any?>): Map<String, String> = buildMap {
            for ((key, value) in raw) {
                when (value) {
                    is String -> put(key, value)
                    is Boolean -> put(key, value.toString())
                    is Int, is Long -> put(key, value.toString())
                    else -> Unit
                }
            }
        }
    }
}
