// Why this file exists: one run of the sync job, without the job. The core decides everything
// (what to send, back-off, Retry-After, re-enrolment); this loop sends what it is given through
// a Transport, hands back each answer or failure, pulls the signed bundles, and reports
// progress. SyncSchedule turns the core's outbox status into when the next job may run. Both
// are plain Kotlin so the JVM tests drive them against the real core and a real HTTP server.
package org.frontline.android

import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.core.BundleKind
import org.frontline.core.BundlePull
import org.frontline.core.CompanionConfig
import org.frontline.core.OutboxStatus

/** What one run did. */
data class SyncResult(
    val requests: Int,
    val delivered: Int,
    val deadLettered: Int,
    val reenrolmentNeeded: Boolean,
    /** The earliest time the core allows the next attempt (back-off or Retry-After). */
    val retryAtMs: Long?,
    val bundlesInstalled: Int,
    /** The run stopped because the job was cancelled or the request budget was spent. */
    val stoppedEarly: Boolean,
)

/** Progress of a run, for the notification of long syncs. */
data class SyncProgress(val requests: Int, val delivered: Int, val elapsedMs: Long)

/** One run: outbox requests until the core has none due, then the bundle pulls. */
class SyncRun(
    private val companion: FrontlineCompanion,
    private val transport: Transport,
    private val nowMs: () -> Long = System::currentTimeMillis,
    private val maxRequests: Int = 100,
) {
    /** Runs until done, or until [cancelled] says stop (checked between requests). */
    fun run(cancelled: () -> Boolean = { false }, progress: (SyncProgress) -> Unit = {}): SyncResult {
        val started = nowMs()
        var requests = 0
        var delivered = 0
        var dead = 0
        var reenrol = false
        var retryAt: Long? = null
        var stoppedEarly = false
        while (true) {
            if (cancelled() || requests >= maxRequests) {
                stoppedEarly = true
                break
            }
            val request = companion.nextSyncRequest() ?: break
            requests++
            val outcome = try {
                companion.handleSyncResponse(request.id, transport.send(request))
            } catch (e: TransportException) {
                companion.handleSyncFailure(request.id, e.failure)
            } catch (e: FrontlineException.BadResponse) {
                // A malformed answer: the core put the batch back; the back-off applies.
                break
            }
            delivered += outcome.delivered.toInt()
            dead += outcome.deadLettered.toInt()
            reenrol = reenrol || outcome.reenrolmentNeeded
            outcome.retryAt?.let { retryAt = maxOf(retryAt ?: it, it) }
            progress(SyncProgress(requests, delivered, nowMs() - started))
            if (outcome.reenrolmentNeeded || outcome.retryAt != null) break
        }
        var installed = 0
        // The collector asked to wait (or the core is backing off): no bundle pulls either.
        val waiting = retryAt != null || (companion.outboxStatus().nextAttemptAt ?: 0L) > nowMs()
        if (!reenrol && !stoppedEarly && !waiting) {
            for (kind in BUNDLE_KINDS) {
                if (cancelled()) {
                    stoppedEarly = true
                    break
                }
                when (val pull = pullBundle(kind)) {
                    is BundlePull.Installed -> installed++
                    is BundlePull.RetryLater -> retryAt = maxOf(retryAt ?: pull.at, pull.at)
                    is BundlePull.ReenrolmentNeeded -> reenrol = true
                    else -> Unit
                }
                requests++
                if (reenrol) break
            }
        }
        return SyncResult(requests, delivered, dead, reenrol, retryAt, installed, stoppedEarly)
    }

    private fun pullBundle(kind: BundleKind): BundlePull? {
        val request = try {
            companion.bundlePullRequest(kind)
        } catch (e: FrontlineException.NotConfigured) {
            return null
        }
        return try {
            companion.handleBundleResponse(kind, transport.send(request))
        } catch (e: TransportException) {
            null // the next run tries again; bundles are not urgent
        } catch (e: FrontlineException.BadResponse) {
            null
        }
    }

    companion object {
        /** Policy first: it changes what the next posture check asks. */
        val BUNDLE_KINDS = listOf(BundleKind.POLICY, BundleKind.ADVISORIES, BundleKind.CONTENT)
    }
}

/** When and how the next sync job runs. */
data class SyncJobPlan(
    /** Not before this many milliseconds from now. */
    val delayMs: Long,
    /** Only on an unmetered network (`sync_wifi_only`). */
    val unmeteredOnly: Boolean,
)

/** The next job from the core's state: its back-off and Retry-After come first. */
object SyncSchedule {
    /** Sent again this soon when reports wait and nothing asks to wait longer. */
    const val SOON_MS = 60_000L

    fun next(status: OutboxStatus, config: CompanionConfig, nowMs: Long): SyncJobPlan {
        val intervalMs = config.syncIntervalMinutes.toLong() * 60_000L
        val waitForCore = status.nextAttemptAt?.let { it - nowMs }?.takeIf { it > 0 }
        val delay = when {
            // Only a new enrolment token (from the MDM) helps; check again at the interval.
            status.reenrolmentNeeded -> intervalMs
            waitForCore != null -> minOf(waitForCore, RETRY_CAP_MS)
            status.pending > 0uL -> SOON_MS
            else -> intervalMs
        }
        return SyncJobPlan(delayMs = delay, unmeteredOnly = config.syncWifiOnly)
    }

    /** The core caps Retry-After at a day; so does the job. */
    private const val RETRY_CAP_MS = 24L * 60 * 60 * 1000
}
