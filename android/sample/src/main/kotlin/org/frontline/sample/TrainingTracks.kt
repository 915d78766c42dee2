// Why this file exists: the training list groups the modules assigned to this member of staff
// by track (all staff, then specialist) and puts what needs doing first: overdue, due, in
// progress, not started, completed. Plain Kotlin so the JVM tests check the order.
package org.frontline.sample

import org.frontline.core.Audience
import org.frontline.core.TrainingModule
import org.frontline.core.TrainingStatus

/** One track of the training list. */
data class TrainingTrack(val audience: Audience, val modules: List<TrainingModule>)

object TrainingTracks {
    /** Tracks with at least one module, all-staff first; in each, what needs doing first. */
    fun group(modules: List<TrainingModule>): List<TrainingTrack> =
        listOf(Audience.ALL_STAFF, Audience.SPECIALIST).mapNotNull { audience ->
            val inTrack = modules.filter { it.audience == audience }
                .sortedWith(compareBy({ urgency(it.status) }, { it.dueAtMs ?: Long.MAX_VALUE }))
            if (inTrack.isEmpty()) null else TrainingTrack(audience, inTrack)
        }

    /** How many modules need attention now (due or overdue), for the home screen. */
    fun needingAttention(modules: List<TrainingModule>): Int =
        modules.count { it.status == TrainingStatus.DUE || it.status == TrainingStatus.OVERDUE }

    private fun urgency(status: TrainingStatus): Int = when (status) {
        TrainingStatus.OVERDUE -> 0
        TrainingStatus.DUE -> 1
        TrainingStatus.IN_PROGRESS -> 2
        TrainingStatus.NOT_STARTED -> 3
        TrainingStatus.COMPLETED -> 4
    }
}
