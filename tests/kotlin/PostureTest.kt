// Posture through the generated Kotlin bindings, as the Android app drives it: the MDM's
// managed configuration asks for a check, the probe's facts answer it, and the result comes
// back as Android Enterprise keyed app states; bad managed values are a typed exception naming
// each key, and the configuration in force stays.
package org.frontline.tests

import java.io.File
import java.nio.file.Files
import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.core.CheckStatus
import org.frontline.core.ConfigProblemKind
import org.frontline.core.DeviceFacts
import org.frontline.core.FeedbackSeverity
import org.frontline.core.LockComplexity
import org.frontline.core.Platform
import org.frontline.core.PostureTrigger
import org.frontline.core.RootSignal
import org.frontline.core.StorageEncryption
import org.frontline.core.Verdict
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test

class PostureTest {
    private lateinit var dir: File

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("frontline-posture").toFile()
    }

    @After
    fun removeDir() {
        dir.deleteRecursively()
    }

    private fun config() = testConfig("staff-kt01")

    /** What AndroidPostureProbe would report for a phone with no screen lock, rooted. */
    private fun probedFacts() = DeviceFacts(
        platform = Platform.ANDROID,
        osVersion = "16",
        securityPatch = "2026-11-05",
        secureLockScreen = false,
        lockComplexity = LockComplexity.NONE,
        storageEncryption = StorageEncryption.ACTIVE_PER_USER,
        developerOptions = false,
        usbDebugging = false,
        unknownSources = false,
        rootSignals = listOf(RootSignal.SU_BINARY, RootSignal.MAGISK_PACKAGE),
        appVersion = "0.1.0",
    )

    @Test
    fun managedConfigRequestsACheckAndFeedbackReportsIt() {
        FrontlineCompanion(dir.path, config(), AesGcmKeyStore()).use { companion ->
            val outcome = companion.applyManagedConfig(
                mapOf(
                    "posture_check_request_id" to "emm-req-17",
                    "sync_wifi_only" to "true",
                    "sync_interval_minutes" to "30",
                    "a_key_from_a_newer_app" to "x",
                ),
            )
            assertTrue("no facts yet: the request waits", outcome.postureCheckPending)
            assertNull(outcome.postureReport)
            assertEquals(listOf("a_key_from_a_newer_app"), outcome.ignoredKeys)
            assertTrue(companion.config().syncWifiOnly)
            assertEquals(30u, companion.config().syncIntervalMinutes)

            val report = companion.checkPosture(probedFacts(), PostureTrigger.User)
            assertEquals(PostureTrigger.Mdm("emm-req-17"), report.trigger)
            assertEquals(Verdict.NON_COMPLIANT, report.verdict)
            val lock = report.checks.single { it.checkId == "screen_lock" }
            assertEquals(CheckStatus.FAIL, lock.status)
            assertEquals("screen-lock", lock.remediation.lessonId)

            val feedback = companion.mdmFeedback()
            val states = feedback.keyedAppStates.associateBy { it.key }
            assertEquals(FeedbackSeverity.ERROR, states.getValue("posture.verdict").severity)
            assertEquals(FeedbackSeverity.ERROR, states.getValue("posture.check.screen_lock").severity)
            assertEquals(FeedbackSeverity.ERROR, states.getValue("posture.check.root_jailbreak").severity)
            assertEquals(FeedbackSeverity.INFO, states.getValue("posture.check.encryption").severity)
            assertTrue(feedback.keyedAppStates.all { it.key.length <= 100 && it.message.length <= 1000 })
            assertFalse(feedback.keyedAppStates.any { it.message.contains("staff-kt01") })
            assertEquals("emm-req-17", feedback.iosManagedFeedback["posture.request_id"])

            // The same request pushed again runs nothing.
            val again = companion.applyManagedConfig(mapOf("posture_check_request_id" to "emm-req-17"))
            assertFalse(again.postureCheckPending)
            assertNull(again.postureReport)
        }
    }

    @Test
    fun badManagedValuesNameEveryKeyAndChangeNothing() {
        FrontlineCompanion(dir.path, config(), AesGcmKeyStore()).use { companion ->
            try {
                companion.applyManagedConfig(
                    mapOf(
                        "staff_pseudonym" to "nurse.name@example.nhs.uk",
                        "collector_url" to "http://collector.example.org",
                        "sync_interval_minutes" to "2",
                    ),
                )
                fail("expected InvalidConfig")
            } catch (e: FrontlineException.InvalidConfig) {
                val byKey = e.problems.associate { it.key to it.problem }
                assertEquals(
                    mapOf(
                        "staff_pseudonym" to ConfigProblemKind.LOOKS_LIKE_EMAIL,
                        "collector_url" to ConfigProblemKind.INSECURE_URL,
                        "sync_interval_minutes" to ConfigProblemKind.OUT_OF_RANGE,
                    ),
                    byKey,
                )
                assertFalse(e.message.orEmpty().contains("nurse.name"))
            }
            assertEquals(config(), companion.config())
        }
    }

    /** What the iOS probe would report for an iPhone with no passcode. */
    private fun iphoneFacts() = DeviceFacts(
        platform = Platform.IOS,
        osVersion = "27.1.1",
        secureLockScreen = false,
        storageEncryption = StorageEncryption.DATA_PROTECTION_OFF,
        rootSignals = emptyList(),
        appVersion = "0.1.0",
    )

    @Test
    fun postureAdviceSpeaksForTheFactsPlatformWithTheOrganisationsContact() {
        FrontlineCompanion(dir.path, config(), AesGcmKeyStore()).use { companion ->
            assertNull("no check yet", companion.postureAdvice())
            companion.applyManagedConfig(
                mapOf(
                    "org_name" to "Example Community Health NHS Trust",
                    "it_service_desk_phone" to "0300 123 4567",
                ),
            )
            val contacts = companion.organisationContacts()
            assertEquals("0300 123 4567", contacts.itServiceDeskPhone)
            assertNull(contacts.itServiceDeskUrl)

            companion.checkPosture(iphoneFacts(), PostureTrigger.User)
            val ios = companion.postureAdvice()!!
            assertEquals(Verdict.IN_GRACE, ios.verdict)
            assertTrue(ios.headline, ios.headline.startsWith("Needs fixing by "))
            val lock = ios.checks.single { it.checkId == "screen_lock" }
            assertEquals(CheckStatus.FAIL, lock.status)
            assertEquals("Screen lock", lock.title)
            assertTrue(lock.steps.toString(), lock.steps.any { it.contains("Face ID & Passcode") })
            assertEquals("app-settings:", lock.settingsTarget)
            assertEquals("screen-lock", lock.lessonId)
            assertFalse(ios.checks.any { it.settingsTarget.orEmpty().startsWith("android.") })

            companion.checkPosture(probedFacts(), PostureTrigger.User)
            val android = companion.postureAdvice()!!
            assertEquals(Verdict.NON_COMPLIANT, android.verdict)
            val root = android.checks.single { it.checkId == "root_jailbreak" }
            assertEquals("Stop using this phone for patient data", root.statusWords)
            assertNull(root.settingsTarget)
            assertTrue(
                root.steps.toString(),
                root.steps.any {
                    it.contains("the Example Community Health NHS Trust IT service desk on 0300 123 4567")
                },
            )
            assertTrue(root.cannotFix.orEmpty().contains("0300 123 4567"))
            assertEquals(
                "android.settings.SECURITY_SETTINGS",
                android.checks.single { it.checkId == "screen_lock" }.settingsTarget,
            )
            // A language with no table reads in English.
            assertEquals(android, companion.postureAdviceIn("de-DE"))
        }
    }
}
