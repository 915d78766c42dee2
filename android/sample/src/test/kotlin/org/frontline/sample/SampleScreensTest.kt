// What the sample's screens decide, checked on the JVM with the real core behind them: which
// posture checks the home screen lists and which Settings screen each opens, the training list's
// tracks and order, the outbox line, lessons as blocks, and quiz answers the core scores.
package org.frontline.sample

import android.provider.Settings
import java.nio.file.Files
import javax.crypto.KeyGenerator
import org.frontline.FrontlineCompanion
import org.frontline.android.KeystoreKeyStore
import org.frontline.android.WrappingKeys
import org.frontline.core.Audience
import org.frontline.core.CheckStatus
import org.frontline.core.CompanionConfig
import org.frontline.core.DeviceFacts
import org.frontline.core.LockComplexity
import org.frontline.core.OutboxStatus
import org.frontline.core.Platform
import org.frontline.core.PostureTrigger
import org.frontline.core.QuestionKind
import org.frontline.core.QuizChoice
import org.frontline.core.QuizQuestion
import org.frontline.core.SettingsTarget
import org.frontline.core.StaffRole
import org.frontline.core.StorageEncryption
import org.frontline.core.TrainingModule
import org.frontline.core.TrainingStatus
import org.frontline.core.Verdict
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class SampleScreensTest {
    private val dir = Files.createTempDirectory("frontline-sample").toFile()
    private val companion = FrontlineCompanion(dir.path, config(StaffRole.SPECIALIST), KeystoreKeyStore(MemoryKeys()))

    @After
    fun close() {
        companion.close()
        dir.deleteRecursively()
    }

    @Test
    fun homeListsFailingChecksFirstWithTheirSettingsScreen() {
        val report = companion.checkPosture(
            phone().copy(secureLockScreen = false, lockComplexity = LockComplexity.NONE, usbDebugging = true, storageEncryption = null),
            PostureTrigger.User,
        )
        val summary = PostureSummary.of(report, sdkInt = 36)
        assertEquals(report.verdict, summary.verdict)
        assertTrue(summary.verdict != Verdict.COMPLIANT)
        val statuses = summary.toFix.map { it.status }
        assertEquals("failures before unknowns", statuses.sortedBy { if (it == CheckStatus.FAIL) 0 else 1 }, statuses)
        assertTrue(summary.toFix.none { it.status == CheckStatus.PASS })
        val failing = report.checks.filter { it.status == CheckStatus.FAIL }.map { it.checkId }.toSet()
        assertEquals(failing, summary.toFix.filter { it.status == CheckStatus.FAIL }.map { it.checkId }.toSet())
        for (check in summary.toFix) {
            val target = report.checks.first { it.checkId == check.checkId }.remediation.settingsTarget
            assertEquals(PostureSummary.settingsAction(target, 36), check.settingsAction)
        }
        assertTrue(summary.toFix.any { it.settingsAction == Settings.ACTION_SECURITY_SETTINGS })
    }

    @Test
    fun aCompliantPhoneHasNothingToFix() {
        val summary = PostureSummary.of(companion.checkPosture(phone(), PostureTrigger.User), 36)
        assertEquals(Verdict.COMPLIANT, summary.verdict)
        assertTrue(summary.toFix.all { it.status == CheckStatus.WARN })
        assertNull(PostureSummary.of(null, 36).verdict)
    }

    @Test
    fun settingsScreensMatchTheFrameworkActionsPerApiLevel() {
        assertEquals(Settings.ACTION_BIOMETRIC_ENROLL, PostureSummary.settingsAction(SettingsTarget.BIOMETRIC_ENROLL, 30))
        @Suppress("DEPRECATION")
        assertEquals(Settings.ACTION_FINGERPRINT_ENROLL, PostureSummary.settingsAction(SettingsTarget.BIOMETRIC_ENROLL, 28))
        assertEquals(Settings.ACTION_SECURITY_SETTINGS, PostureSummary.settingsAction(SettingsTarget.BIOMETRIC_ENROLL, 26))
        assertEquals("android.settings.APPLICATION_DEVELOPMENT_SETTINGS", PostureSummary.settingsAction(SettingsTarget.DEVELOPER_OPTIONS, 26))
        assertEquals("android.settings.MANAGE_UNKNOWN_APP_SOURCES", PostureSummary.settingsAction(SettingsTarget.UNKNOWN_SOURCES, 26))
        assertEquals("android.settings.SECURITY_SETTINGS", PostureSummary.settingsAction(SettingsTarget.ENCRYPTION_SETTINGS, 26))
        assertEquals("android.settings.SETTINGS", PostureSummary.settingsAction(SettingsTarget.SYSTEM_UPDATE, 26))
        assertNull(PostureSummary.settingsAction(SettingsTarget.NONE, 36))
    }

    @Test
    fun trainingIsGroupedByTrackWithWhatIsDueFirst() {
        val modules = companion.trainingModules()
        val tracks = TrainingTracks.group(modules)
        assertEquals(listOf(Audience.ALL_STAFF, Audience.SPECIALIST), tracks.map { it.audience })
        assertEquals(modules.size, tracks.sumOf { it.modules.size })

        fun module(id: String, status: TrainingStatus, due: Long?) =
            TrainingModule(id, id, "", Audience.ALL_STAFF, 10u, 365u, status, null, due, null)
        val ordered = TrainingTracks.group(
            listOf(
                module("done", TrainingStatus.COMPLETED, 9),
                module("new", TrainingStatus.NOT_STARTED, null),
                module("due-later", TrainingStatus.DUE, 20),
                module("overdue", TrainingStatus.OVERDUE, 1),
                module("due-soon", TrainingStatus.DUE, 10),
            ),
        ).single().modules.map { it.id }
        assertEquals(listOf("overdue", "due-soon", "due-later", "new", "done"), ordered)
        val mixed = listOf(
            module("a", TrainingStatus.OVERDUE, 1),
            module("b", TrainingStatus.DUE, 2),
            module("c", TrainingStatus.DUE, 3),
            module("d", TrainingStatus.COMPLETED, 4),
        )
        assertEquals(3, TrainingTracks.needingAttention(mixed))
    }

    @Test
    fun theOutboxLineFollowsTheCoresStatus() {
        companion.checkPosture(phone(), PostureTrigger.User)
        val now = System.currentTimeMillis()
        val waiting = OutboxSummary.of(companion.outboxStatus(), now)
        assertEquals(OutboxSummary.State.WAITING, waiting.state)
        assertTrue(waiting.waiting >= 1)
        fun status(pending: ULong, next: Long?, reenrol: Boolean, last: Long?) =
            OutboxStatus(pending, 0uL, 0uL, 5uL, 1uL, null, last, next, reenrol, true, 0uL, false)
        assertEquals(OutboxSummary.State.ALL_SENT, OutboxSummary.of(status(0uL, null, false, now - 1000), now).state)
        assertEquals(now - 1000, OutboxSummary.of(status(0uL, null, false, now - 1000), now).lastSentAtMs)
        assertEquals(OutboxSummary.State.SENDING_PAUSED, OutboxSummary.of(status(3uL, now + 60_000, false, null), now).state)
        assertEquals(OutboxSummary.State.WAITING, OutboxSummary.of(status(3uL, now - 1, false, null), now).state)
        assertEquals(OutboxSummary.State.ENROL_AGAIN, OutboxSummary.of(status(3uL, null, true, null), now).state)
        assertEquals(1L, OutboxSummary.of(status(0uL, null, false, null), now).failed)
    }

    @Test
    fun everyLessonOfThePackBecomesReadableBlocks() {
        for (module in companion.trainingModules()) {
            val detail = companion.trainingModule(module.id)
            val blocks = LessonText.parse(detail.lessonMarkdown)
            assertTrue("${module.id} has text", blocks.any { it is LessonBlock.Paragraph })
            val text = blocks.joinToString(" ") {
                when (it) {
                    is LessonBlock.Heading -> it.text
                    is LessonBlock.Paragraph -> it.text
                    is LessonBlock.ListItem -> it.text
                }
            }
            assertTrue("${module.id}: no Markdown marks left", !text.contains("**") && !text.contains("# "))
        }
        assertEquals(
            listOf(
                LessonBlock.Heading(2, "Lock it"),
                LessonBlock.Paragraph("Lock your phone every time."),
                LessonBlock.ListItem("•", "Use a PIN"),
                LessonBlock.ListItem("2.", "Report it"),
            ),
            LessonText.parse("## Lock it\n\nLock your phone\n**every** time.\n\n- Use a PIN\n2. Report it\n"),
        )
    }

    @Test
    fun quizAnswersAreScoredByTheCore() {
        val module = companion.trainingModules().first()
        val detail = companion.trainingModule(module.id)
        val form = QuizForm(detail.questions)
        assertEquals(detail.questions, form.unanswered())
        for (question in detail.questions) form.set(question.id, question.options.first().id, true)
        assertTrue(form.unanswered().isEmpty())
        val result = companion.submitQuiz(module.id, detail.packVersion, form.answers())
        assertEquals(detail.questions.size, result.perQuestion.size)
        assertTrue(result.perQuestion.all { it.explanation.isNotBlank() })
    }

    @Test
    fun singleChoiceKeepsOnePickAndMultipleKeepsAll() {
        val single = QuizQuestion("q1", QuestionKind.SINGLE, "?", listOf(QuizChoice("a", "A"), QuizChoice("b", "B")))
        val multiple = QuizQuestion("q2", QuestionKind.MULTIPLE, "?", listOf(QuizChoice("a", "A"), QuizChoice("b", "B")))
        val form = QuizForm(listOf(single, multiple))
        form.set("q1", "a", true)
        form.set("q1", "b", true)
        form.set("q2", "a", true)
        form.set("q2", "b", true)
        form.set("q2", "a", false)
        assertEquals(setOf("b"), form.picked("q1"))
        assertEquals(setOf("b"), form.picked("q2"))
        form.set("unknown", "a", true)
        assertEquals(listOf("q1", "q2"), form.answers().map { it.questionId })
    }

    private class MemoryKeys : WrappingKeys {
        private var key: javax.crypto.SecretKey? = null
        override fun existing() = key
        override fun create() = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey().also { key = it }
    }

    private fun config(role: StaffRole) = CompanionConfig(
        "example-trust", "https://example-trust.example", "stf-sample-test", role,
        null, null, null, null, null, 60u, false,
    )

    private fun phone() = DeviceFacts(
        platform = Platform.ANDROID, osVersion = "16", osBuild = "BP3A.251105.015", securityPatch = "2026-11-05",
        secureLockScreen = true, lockComplexity = LockComplexity.HIGH, biometricsAvailable = true,
        biometricsEnrolled = true, storageEncryption = StorageEncryption.ACTIVE_PER_USER, developerOptions = false,
        usbDebugging = false, unknownSources = false, rootSignals = emptyList(), managedByMdm = true,
        appVersion = "0.1.0", collectedAtMs = System.currentTimeMillis(),
    )
}
