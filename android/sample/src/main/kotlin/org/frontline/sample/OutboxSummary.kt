// Why this file exists: the outbox screen's one-line answer to "have my reports gone?" ("3
// reports waiting, last sent 10:42"), decided from the core's OutboxStatus in plain Kotlin.
package org.frontline.sample

import org.frontline.core.OutboxStatus

/** What the outbox screen says. */
data class OutboxSummary(
    val state: State,
    /** Reports not yet delivered (waiting, being sent, or held until the organisation key comes). */
    val waiting: Long,
    val lastSentAtMs: Long?,
    val nextAttemptAtMs: Long?,
    val failed: Long,
) {
    enum class State { ALL_SENT, WAITING, SENDING_PAUSED, ENROL_AGAIN }

    companion object {
        fun of(status: OutboxStatus, nowMs: Long): OutboxSummary {
            val waiting = (status.pending + status.held + status.inFlight).toLong()
            val next = status.nextAttemptAt?.takeIf { it > nowMs }
            val state = when {
                status.reenrolmentNeeded -> State.ENROL_AGAIN
                waiting == 0L -> State.ALL_SENT
                next != null -> State.SENDING_PAUSED
                else -> State.WAITING
            }
            return OutboxSummary(state, waiting, status.lastSuccessAt, next, status.dead.toLong())
        }
    }
}
