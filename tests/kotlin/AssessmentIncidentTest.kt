// The self-assessment and incident reports through the generated Kotlin bindings, as the
// Android app drives them: the rooted phone's posture answers the device questions (measured,
// not contradictable), the score puts the device area first with the linked lesson; an
// incident filed offline is the first envelope of the next sync request, and a bad form is a
// typed exception with nothing stored.
package org.frontline.tests

import java.io.File
import java.nio.file.Files
import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.core.AssessmentArea
import org.frontline.core.AssessmentRefusal
import org.frontline.core.DeviceFacts
import org.frontline.core.IncidentForm
import org.frontline.core.IncidentKind
import org.frontline.core.IncidentRefusal
import org.frontline.core.LockComplexity
import org.frontline.core.Platform
import org.frontline.core.PostureTrigger
import org.frontline.core.RootSignal
import org.frontline.core.ScoreBand
import org.frontline.core.StorageEncryption
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test

class AssessmentIncidentTest {
    private lateinit var dir: File

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("frontline-assess").toFile()
    }

    @After
    fun removeDir() {
        dir.deleteRecursively()
    }

    /** tests/fixtures/devices/rooted-phone.json as the Android probe would report it. */
    private fun rootedPhone() = DeviceFacts(
        platform = Platform.ANDROID,
        osVersion = "15",
        osBuild = "AP4A.250205.002",
        securityPatch = "2026-11-01",
        secureLockScreen = true,
        lockComplexity = LockComplexity.MEDIUM,
        biometricsAvailable = true,
        biometricsEnrolled = true,
        storageEncryption = StorageEncryption.ACTIVE_PER_USER,
        developerOptions = true,
        usbDebugging = true,
        unknownSources = false,
        rootSignals = listOf(RootSignal.SU_BINARY, RootSignal.MAGISK_PACKAGE, RootSignal.TEST_KEYS),
        managedByMdm = false,
        appVersion = "0.1.0",
    )

    @Test
    fun rootedPhoneAssessmentIsPrefilledAndScoresTheDeviceAreaLow() {
        FrontlineCompanion(dir.path, testConfig("staff-kt-assess"), AesGcmKeyStore()).use { app ->
            app.checkPosture(rootedPhone(), PostureTrigger.User)
            var session = app.startAssessment(null)
            val rooted = session.questions.single { it.id == "dv_not_rooted" }
            assertTrue(rooted.measured)
            assertEquals("no", rooted.answer)
            assertTrue(rooted.evidence!!.startsWith("checked by this device: "))
            try {
                app.answerAssessment("dv_not_rooted", "yes")
                fail("a measured answer must not be contradicted")
            } catch (e: FrontlineException.AssessmentRefused) {
                assertTrue(e.reason is AssessmentRefusal.MeasuredAnswer)
            }
            // The first option of every default question is its best one.
            for (q in session.questions.filter { !it.measured }) {
                session = app.answerAssessment(q.id, q.options.first().id)
            }
            assertEquals(session.result.total, session.result.answered)
            val result = app.submitAssessment()
            val first = result.areas.first()
            assertEquals(AssessmentArea.DEVICE_LOCKING, first.area)
            assertTrue(first.scorePercent!! <= 25u)
            assertEquals(ScoreBand.WEAK, first.band)
            assertEquals("dv_not_rooted", first.findings.first().questionId)
            assertEquals("mobile-device", first.findings.first().lessonId)
            assertEquals(result, app.latestAssessmentResult())
            assertEquals(2uL, app.outboxStatus().pending)
            try {
                app.submitAssessment()
                fail("submitted twice")
            } catch (e: FrontlineException.AssessmentRefused) {
                assertTrue(e.reason is AssessmentRefusal.NothingInProgress)
            }
            assertEquals(2uL, app.outboxStatus().pending)
        }
    }

    @Test
    fun incidentFiledOfflineGoesFirstAndBadFormsStoreNothing() {
        val config = testConfig(
            "staff-kt-incident",
            collectorUrl = "https://collector.example-trust.example",
            orgReportKey = ORG_KEY,
        )
        FrontlineCompanion(dir.path, config, AesGcmKeyStore()).use { app ->
            try {
                app.reportIncident(IncidentForm(IncidentKind.OTHER, null, "x".repeat(1001), false))
                fail("over-long description accepted")
            } catch (e: FrontlineException.IncidentRefused) {
                assertTrue(e.reason is IncidentRefusal.DescriptionTooLong)
            }
            assertTrue(app.incidents().isEmpty())
            assertEquals(0uL, app.outboxStatus().pending)
            // Training statements wait in the outbox, then a colleague's phone is lost.
            for (module in app.trainingModules()) app.lessonViewed(module.id)
            val waiting = app.outboxStatus().pending
            assertTrue(waiting >= 5uL)
            val filed = app.reportIncident(
                IncidentForm(IncidentKind.LOST_OR_STOLEN_DEVICE, null, "left in the staff room", true),
            )
            assertTrue(filed.advice.urgent)
            assertTrue(filed.advice.contact.contains("IT service desk"))
            assertEquals(filed.incidentId, app.incidents().single().incidentId)
            val request = app.nextSyncRequest()!!
            val body = String(request.body)
            val firstKind = Regex("\"kind\":\"([a-z_]+)\"").find(body)!!.groupValues[1]
            assertEquals("incident", firstKind)
            assertEquals(waiting.toInt() + 1, Regex("\"kind\":").findAll(body).count())
        }
    }

    companion object {
        /** An X25519 public key (base64url) the outbox seals to; nothing opens it here. */
        const val ORG_KEY = "TB75awvtpEGv27HxteeeMQdkr-naf9SdAS0493GNiDo"
    }
}
