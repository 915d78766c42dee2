// Training through the generated Kotlin bindings, on the JVM against the host library: one
// module through lesson -> failed quiz -> passed quiz, its status and due date, the xAPI
// statements queued, and the typed refusals an app must handle. A small AES-GCM key store
// stands in for the Android Keystore.
package org.frontline.tests

import java.io.File
import java.nio.file.Files
import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.core.QuizAnswer
import org.frontline.core.TrainingRefusal
import org.frontline.core.TrainingStatus
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test

class TrainingTest {
    private lateinit var dir: File
    private lateinit var app: FrontlineCompanion

    @Before
    fun open() {
        dir = Files.createTempDirectory("frontline-kt-training").toFile()
        app = FrontlineCompanion(dir.path, config(), AesGcmKeyStore())
    }

    @After
    fun shut() {
        app.shutdown()
        app.close()
        dir.deleteRecursively()
    }

    private fun config() = testConfig(PSEUDONYM, organisationUrl = ORG_URL)

    private fun status(moduleId: String): TrainingStatus =
        app.trainingModules().first { it.id == moduleId }.status

    @Test
    fun lessonThenFailedQuizThenPassedQuiz() {
        val modules = app.trainingModules()
        assertEquals(13, modules.size) // all_staff: the basic track only
        assertTrue(modules.all { it.status == TrainingStatus.NOT_STARTED })
        assertEquals(0.0, app.trainingSummary().currentShare, 0.0)

        val detail = app.trainingModule(MODULE)
        assertTrue(detail.lessonMarkdown.startsWith("# "))
        assertTrue(detail.questions.size >= 5)
        assertEquals(180u, detail.module.refresherDays)

        app.lessonViewed(MODULE)
        assertEquals(TrainingStatus.IN_PROGRESS, status(MODULE))

        // First attempt: nothing chosen, so every question is wrong; the result explains.
        val empty = detail.questions.map { QuizAnswer(it.id, emptyList()) }
        val failed = app.submitQuiz(MODULE, detail.packVersion, empty)
        assertFalse(failed.passed)
        assertEquals(0u, failed.scorePercent)
        assertEquals(TrainingStatus.IN_PROGRESS, failed.status)
        assertNull(failed.dueAtMs)
        assertTrue(failed.perQuestion.all { !it.correct && it.explanation.isNotBlank() && it.correctOptionIds.isNotEmpty() })

        // Second attempt: the options the explanations named.
        val right = failed.perQuestion.map { QuizAnswer(it.questionId, it.correctOptionIds) }
        val passed = app.submitQuiz(MODULE, detail.packVersion, right)
        assertTrue(passed.passed)
        assertEquals(100u, passed.scorePercent)
        assertEquals(TrainingStatus.COMPLETED, passed.status)
        val due = passed.dueAtMs
        assertNotNull(due)
        val listed = app.trainingModules().first { it.id == MODULE }
        assertEquals(TrainingStatus.COMPLETED, listed.status)
        assertEquals(due, listed.dueAtMs)
        assertEquals(180L * 24 * 3600 * 1000, due!! - listed.completedAtMs!!)
        assertEquals(1u, app.trainingSummary().current)

        // The statements queued, oldest first.
        val statements = app.recentTrainingStatements(20u).reversed()
        val verbs = statements.map { Regex("\"http://adlnet.gov/expapi/verbs/([a-z]+)\"").find(it)!!.groupValues[1] }
        assertEquals(listOf("experienced", "attempted", "failed", "attempted", "passed", "completed"), verbs)
        for (s in statements) {
            assertTrue(s.contains("\"version\":\"1.0.3\""))
            assertTrue(s.contains("\"name\":\"$PSEUDONYM\""))
            assertTrue(s.contains("\"homePage\":\"$ORG_URL\""))
            assertFalse(s.contains("mbox"))
        }
        assertTrue(statements.last().contains("\"$ORG_URL/xapi/activities/frontline-default/$MODULE\""))
    }

    @Test
    fun refusalsAreTypedAndRecordNothing() {
        val version = app.trainingPack().version
        fun refusal(block: () -> Unit): TrainingRefusal {
            try {
                block()
            } catch (e: FrontlineException.TrainingRefused) {
                return e.reason
            }
            fail("expected FrontlineException.TrainingRefused")
            throw IllegalStateException()
        }
        assertEquals(TrainingRefusal.NOT_ASSIGNED, refusal { app.trainingModule("incident-response") })
        assertEquals(TrainingRefusal.UNKNOWN_MODULE, refusal { app.lessonViewed("no-such-module") })
        assertEquals(
            TrainingRefusal.UNKNOWN_QUESTION,
            refusal { app.submitQuiz(MODULE, version, listOf(QuizAnswer("q99", listOf("a")))) },
        )
        assertEquals(
            TrainingRefusal.UNKNOWN_OPTION,
            refusal { app.submitQuiz(MODULE, version, listOf(QuizAnswer("q1", listOf("zz")))) },
        )
        assertEquals(
            TrainingRefusal.PACK_VERSION_GONE,
            refusal { app.submitQuiz(MODULE, version + 1u, listOf(QuizAnswer("q1", listOf("a")))) },
        )
        assertTrue(app.recentTrainingStatements(20u).isEmpty())
        assertEquals(TrainingStatus.NOT_STARTED, status(MODULE))
    }

    companion object {
        const val PSEUDONYM = "stf-kt-train-5e1a"
        const val ORG_URL = "https://example-trust.example"
        const val MODULE = "phishing"
    }
}
