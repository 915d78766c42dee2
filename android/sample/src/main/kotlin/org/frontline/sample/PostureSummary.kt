// Why this file exists: the home screen's posture section as data, so what the member of staff
// is shown (which checks, in which order, with which Settings screen) is decided in plain
// Kotlin that the JVM tests check, and the activity only draws it. No posture rule is decided
// here: statuses, severities and remediation come from the core's report.
package org.frontline.sample

import android.provider.Settings
import org.frontline.core.CheckResult
import org.frontline.core.CheckStatus
import org.frontline.core.PostureReport
import org.frontline.core.SettingsTarget
import org.frontline.core.Verdict

/** One check that needs the member of staff: what it is, what was seen, where to fix it. */
data class CheckToFix(
    val checkId: String,
    val title: String,
    val status: CheckStatus,
    val observed: String,
    val expected: String,
    /** The `Intent` action of the Settings screen that fixes it, or null (contact IT). */
    val settingsAction: String?,
    val lessonId: String?,
    val graceDeadlineMs: Long?,
)

/** The posture section of the home screen. */
data class PostureSummary(val verdict: Verdict?, val checkedAtMs: Long?, val toFix: List<CheckToFix>) {
    companion object {
        /** From the latest report (null: no check has run yet). */
        fun of(report: PostureReport?, sdkInt: Int): PostureSummary {
            if (report == null) return PostureSummary(null, null, emptyList())
            val toFix = report.checks
                .filter { it.status == CheckStatus.FAIL || it.status == CheckStatus.UNKNOWN || it.status == CheckStatus.WARN }
                .sortedWith(compareBy({ statusOrder(it.status) }, { it.severity.ordinal }))
                .map { it.toFix(sdkInt) }
            return PostureSummary(report.verdict, report.createdAtMs, toFix)
        }

        private fun statusOrder(status: CheckStatus): Int = when (status) {
            CheckStatus.FAIL -> 0
            CheckStatus.UNKNOWN -> 1
            else -> 2
        }

        private fun CheckResult.toFix(sdkInt: Int) = CheckToFix(
            checkId = checkId,
            title = title,
            status = status,
            observed = observed,
            expected = expected,
            settingsAction = settingsAction(remediation.settingsTarget, sdkInt),
            lessonId = remediation.lessonId,
            graceDeadlineMs = graceDeadlineMs,
        )

        /**
         * The Settings screen for a remediation target on this API level (docs/posture.md,
         * "Remediation targets"). There is no public system-update screen: Settings opens and
         * the check's text names the path.
         */
        fun settingsAction(target: SettingsTarget, sdkInt: Int): String? = when (target) {
            SettingsTarget.SECURITY_SETTINGS, SettingsTarget.ENCRYPTION_SETTINGS -> Settings.ACTION_SECURITY_SETTINGS
            SettingsTarget.BIOMETRIC_ENROLL -> when {
                sdkInt >= 30 -> Api30.ACTION_BIOMETRIC_ENROLL
                sdkInt >= 28 -> Api28.ACTION_FINGERPRINT_ENROLL
                else -> Settings.ACTION_SECURITY_SETTINGS
            }
            SettingsTarget.SYSTEM_UPDATE -> Settings.ACTION_SETTINGS
            SettingsTarget.DEVELOPER_OPTIONS -> Settings.ACTION_APPLICATION_DEVELOPMENT_SETTINGS
            SettingsTarget.UNKNOWN_SOURCES -> Settings.ACTION_MANAGE_UNKNOWN_APP_SOURCES
            SettingsTarget.NONE -> null
        }
    }
}
