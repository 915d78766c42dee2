// What the sample's screens decide, checked on the JVM with the real core behind them: which
// posture checks the home screen lists, in the core's words, with the Settings screen the core
// names and the organisation's contacts, the training list's tracks and order, the outbox line,
// lessons as blocks, and quiz answers the core scores.
package org.frontline.sample

import android.provider.Settings
import java.nio.file.Files
import org.frontline.FrontlineCompanion
import org.frontline.android.KeystoreKeyStore
import org.frontline.android.MemoryWrappingKeys
import org.frontline.core.Audience
import org.frontline.core.CheckStatus
import org.frontline.core.LockComplexity
import org.frontline.core.OutboxStatus
import org.frontline.core.PostureTrigger
import org.frontline.core.QuestionKind
import org.frontline.core.QuizChoice
import org.frontline.core.QuizQuestion
import org.frontline.core.RootSignal
import org.frontline.core.StaffRole
import org.frontline.core.StorageEncryption
import org.frontline.core.TrainingModule
import org.frontline.core.TrainingStatus
import org.frontline.core.Verdict
import org.frontline.tests.currentPhoneFacts
import org.frontline.tests.testConfig
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class SampleScreensTest {
    private val dir = Files.createTempDirectory("frontline-sample").toFile()
    private val companion = FrontlineCompanion(dir.path, testConfig("stf-sample-test").copy(staffRole = StaffRole.SPECIALIST), KeystoreKeyStore(MemoryWrappingKeys()))

    @After
    fun close() {
        companion.close()
        dir.deleteRecursively()
    }

    @Test
    fun homeListsWhatNeedsFixingFirstInTheCoresWords() {
        assertNull("no check yet", PostureSummary.load(companion, "en-GB").advice)
        val report = companion.checkPosture(
            phone().copy(secureLockScreen = false, lockComplexity = LockComplexity.NONE, usbDebugging = true, storageEncryption = null),
            PostureTrigger.User,
        )
        val summary = PostureSummary.load(companion, "en-GB")
        val advice = companion.postureAdvice()!!
        assertEquals(advice, summary.advice)
        assertEquals(report.createdAtMs, summary.checkedAtMs)
        assertTrue(advice.verdict != Verdict.COMPLIANT)
        assertTrue(advice.headline, advice.headline.isNotBlank())
        val statuses = summary.toFix.map { it.status }
        assertEquals(
            "failures, then unknowns, then recommendations",
            statuses.sortedBy { listOf(CheckStatus.FAIL, CheckStatus.UNKNOWN, CheckStatus.WARN).indexOf(it) },
            statuses,
        )
        assertTrue(CheckStatus.UNKNOWN in statuses)
        val failing = report.checks.filter { it.status == CheckStatus.FAIL }.map { it.checkId }
        assertEquals("the policy's order among failures", failing, summary.toFix.filter { it.status == CheckStatus.FAIL }.map { it.checkId })
        val lock = summary.toFix.single { it.checkId == "screen_lock" }
        assertEquals(advice.checks.single { it.checkId == "screen_lock" }, lock)
        assertTrue(lock.steps.toString(), lock.steps.size >= 2)
        assertEquals(Settings.ACTION_SECURITY_SETTINGS, lock.settingsTarget)
        assertEquals("screen-lock", lock.lessonId)
        // Nothing configured: no contacts section, and the words say "your IT service desk".
        assertNull(summary.contacts)
    }

    @Test
    fun everySettingsScreenTheCoreNamesIsAFrameworkSettingsAction() {
        val actions = Settings::class.java.fields.filter { it.name.startsWith("ACTION_") }.map { it.get(null) as String }.toSet()
        companion.checkPosture(
            phone().copy(
                osVersion = "10", securityPatch = "2021-01-05", secureLockScreen = false, lockComplexity = LockComplexity.NONE,
                storageEncryption = StorageEncryption.INACTIVE, developerOptions = true, usbDebugging = true, unknownSources = true,
            ),
            PostureTrigger.User,
        )
        val summary = PostureSummary.load(companion, "en-GB")
        val targets = summary.toFix.mapNotNull { it.settingsTarget }
        assertTrue(targets.toString(), targets.size >= 4)
        for (target in targets) assertTrue("$target is a Settings action of the framework", target in actions)
        assertTrue(summary.toFix.flatMap { it.steps }.none { it.contains("Face ID") })
    }

    @Test
    fun aRootedPhoneSaysStopAndWhomToCallFromManagedConfig() {
        companion.applyManagedConfig(
            mapOf(
                "org_name" to "Example Community Health NHS Trust",
                "it_service_desk_phone" to "0300 123 4567",
                "it_service_desk_url" to "https://it.example-trust.example/help",
            ),
        )
        companion.checkPosture(phone().copy(rootSignals = listOf(RootSignal.SU_BINARY, RootSignal.MAGISK_PACKAGE)), PostureTrigger.User)
        val summary = PostureSummary.load(companion, "cy-GB") // no Welsh table yet: English
        assertEquals(Verdict.NON_COMPLIANT, summary.advice?.verdict)
        val root = summary.toFix.first()
        assertEquals("root_jailbreak", root.checkId)
        assertNull("no setting fixes a rooted phone", root.settingsTarget)
        assertTrue(root.cannotFix.orEmpty(), root.cannotFix.orEmpty().contains("0300 123 4567"))
        val contacts = summary.contacts!!
        assertEquals("Example Community Health NHS Trust", contacts.orgName)
        assertEquals("0300 123 4567", contacts.itServiceDeskPhone)
        assertEquals("https://it.example-trust.example/help", contacts.itServiceDeskUrl)
        assertNull(contacts.igLeadContact)
        assertEquals(companion.postureAdvice(), summary.advice)
    }

    @Test
    fun aCompliantPhoneHasNothingToFix() {
        companion.checkPosture(phone(), PostureTrigger.User)
        val summary = PostureSummary.load(companion, "en-GB")
        assertEquals(Verdict.COMPLIANT, summary.advice?.verdict)
        assertTrue(summary.toFix.all { it.status == CheckStatus.WARN })
        assertTrue(summary.toFix.all { it.cannotFix == null })
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

    private fun phone() = currentPhoneFacts(System.currentTimeMillis())
}
