// Why this file exists: the home screen's posture section as data, so what the member of staff
// is shown is decided in plain Kotlin that the JVM tests check, and the activity only draws it.
// Every word about the phone's posture is the core's (`postureAdvice`, issue #11): the headline,
// each check's status, why it matters, the numbered steps, the Settings screen to open and what
// to do when no setting can fix the phone, naming the organisation's IT service desk. This file
// keeps no words and no table of its own: it picks which checks the screen lists and in which
// order, the language to ask for, and the organisation's contacts (from managed configuration)
// to show under the checks.
package org.frontline.sample

import org.frontline.FrontlineCompanion
import org.frontline.core.CheckAdvice
import org.frontline.core.CheckStatus
import org.frontline.core.OrganisationContacts
import org.frontline.core.PostureAdvice

/** The posture section of the home screen. */
data class PostureSummary(
    /** The core's advice on the latest report; null before the first check. */
    val advice: PostureAdvice?,
    /** When the latest report was made. */
    val checkedAtMs: Long?,
    /**
     * The checks that need the member of staff: failures, then checks that could not be made,
     * then recommendations; the policy's order within each.
     */
    val toFix: List<CheckAdvice>,
    /** Whom to call, as the organisation configured it; null when nothing is configured. */
    val contacts: OrganisationContacts?,
) {
    companion object {
        /**
         * Reads the latest advice, in the language the app's configuration names, else in the
         * phone's ([deviceLanguage], a BCP 47 tag such as `cy-GB`): the core falls back to English
         * for what it has not translated. Call off the main thread (it reads the store).
         */
        fun load(companion: FrontlineCompanion, deviceLanguage: String): PostureSummary {
            val checkedAtMs = companion.latestPostureReport()?.createdAtMs
            val advice = companion.postureAdviceIn(companion.config().locale ?: deviceLanguage)
            return of(advice, checkedAtMs, companion.organisationContacts())
        }

        /** From the core's [advice] (null: no check has run yet) and the organisation's [contacts]. */
        fun of(advice: PostureAdvice?, checkedAtMs: Long?, contacts: OrganisationContacts): PostureSummary {
            val toFix = advice?.checks.orEmpty()
                .filter { needsAction(it.status) }
                .sortedBy { order(it.status) }
            val anyContact = listOf(contacts.orgName, contacts.itServiceDeskPhone, contacts.itServiceDeskUrl, contacts.igLeadContact)
                .any { it != null }
            return PostureSummary(advice, checkedAtMs, toFix, contacts.takeIf { anyContact })
        }

        private fun needsAction(status: CheckStatus) =
            status == CheckStatus.FAIL || status == CheckStatus.UNKNOWN || status == CheckStatus.WARN

        private fun order(status: CheckStatus): Int = when (status) {
            CheckStatus.FAIL -> 0
            CheckStatus.UNKNOWN -> 1
            else -> 2
        }
    }
}
