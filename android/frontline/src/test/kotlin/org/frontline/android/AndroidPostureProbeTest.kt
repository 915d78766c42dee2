// AndroidPostureProbe turns raw framework values into DeviceFacts: each field from its API,
// unknown (null) when the API is missing at this level, not permitted or failing, never a guess;
// and the facts it makes are judged by the real core as the phone deserves.
package org.frontline.android

import android.app.admin.DevicePolicyManager
import android.hardware.biometrics.BiometricManager
import android.os.UserManager
import android.provider.Settings
import org.frontline.core.CheckStatus
import org.frontline.core.LockComplexity
import org.frontline.core.Platform
import org.frontline.core.PostureTrigger
import org.frontline.core.RootSignal
import org.frontline.core.StorageEncryption
import org.frontline.core.Verdict
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class AndroidPostureProbeTest {
    private val readings = FakeReadings()
    private fun facts() = AndroidPostureProbe(readings).collect()

    @Test
    fun aWellKeptPhoneGivesEveryFact() {
        val facts = facts()
        assertEquals(Platform.ANDROID, facts.platform)
        assertEquals("16", facts.osVersion)
        assertEquals("BP3A.251105.015", facts.osBuild)
        assertEquals("2026-11-05", facts.securityPatch)
        assertEquals(true, facts.secureLockScreen)
        assertEquals(LockComplexity.HIGH, facts.lockComplexity)
        assertEquals(true, facts.biometricsAvailable)
        assertEquals(true, facts.biometricsEnrolled)
        assertEquals(StorageEncryption.ACTIVE_PER_USER, facts.storageEncryption)
        assertEquals(false, facts.developerOptions)
        assertEquals(false, facts.usbDebugging)
        assertEquals(false, facts.unknownSources)
        assertEquals(emptyList<RootSignal>(), facts.rootSignals)
        assertEquals(true, facts.managedByMdm)
        assertEquals("0.1.0", facts.appVersion)
        assertEquals(readings.now, facts.collectedAtMs)
    }

    @Test
    fun theProbesConstantsAreTheFrameworks() {
        // Spelled out in the probe so it compiles against minSdk 26; checked here against API 36.
        assertEquals(DevicePolicyManager.PASSWORD_COMPLEXITY_NONE, AndroidPostureProbe.PASSWORD_COMPLEXITY_NONE)
        assertEquals(DevicePolicyManager.PASSWORD_COMPLEXITY_LOW, AndroidPostureProbe.PASSWORD_COMPLEXITY_LOW)
        assertEquals(DevicePolicyManager.PASSWORD_COMPLEXITY_MEDIUM, AndroidPostureProbe.PASSWORD_COMPLEXITY_MEDIUM)
        assertEquals(DevicePolicyManager.PASSWORD_COMPLEXITY_HIGH, AndroidPostureProbe.PASSWORD_COMPLEXITY_HIGH)
        assertEquals(BiometricManager.BIOMETRIC_SUCCESS, AndroidPostureProbe.BIOMETRIC_SUCCESS)
        assertEquals(BiometricManager.BIOMETRIC_ERROR_HW_UNAVAILABLE, AndroidPostureProbe.BIOMETRIC_ERROR_HW_UNAVAILABLE)
        assertEquals(BiometricManager.BIOMETRIC_ERROR_NONE_ENROLLED, AndroidPostureProbe.BIOMETRIC_ERROR_NONE_ENROLLED)
        assertEquals(BiometricManager.BIOMETRIC_ERROR_NO_HARDWARE, AndroidPostureProbe.BIOMETRIC_ERROR_NO_HARDWARE)
        assertEquals(
            BiometricManager.BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED,
            AndroidPostureProbe.BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED,
        )
        assertEquals(UserManager.DISALLOW_INSTALL_UNKNOWN_SOURCES_GLOBALLY, AndroidPostureProbe.DISALLOW_INSTALL_UNKNOWN_SOURCES_GLOBALLY)
        assertEquals("development_settings_enabled", Settings.Global.DEVELOPMENT_SETTINGS_ENABLED)
        assertEquals("adb_enabled", Settings.Global.ADB_ENABLED)
        assertEquals("no_install_unknown_sources", UserManager.DISALLOW_INSTALL_UNKNOWN_SOURCES)
    }

    @Test
    fun everyComplexityBandAndAnUnknownCode() {
        val bands = mapOf(
            DevicePolicyManager.PASSWORD_COMPLEXITY_NONE to LockComplexity.NONE,
            DevicePolicyManager.PASSWORD_COMPLEXITY_LOW to LockComplexity.LOW,
            DevicePolicyManager.PASSWORD_COMPLEXITY_MEDIUM to LockComplexity.MEDIUM,
            DevicePolicyManager.PASSWORD_COMPLEXITY_HIGH to LockComplexity.HIGH,
            0x70000 to null,
        )
        for ((code, band) in bands) {
            readings.values["passwordComplexity"] = code
            assertEquals("code $code", band, facts().lockComplexity)
        }
    }

    @Test
    fun complexityAndBiometricsAreUnknownBelowApi29() {
        readings.sdkInt = 28
        val facts = facts()
        assertNull(facts.lockComplexity)
        assertNull(facts.biometricsAvailable)
        assertNull(facts.biometricsEnrolled)
        assertEquals(true, facts.secureLockScreen)
    }

    @Test
    fun biometricStatusesMapToAvailableAndEnrolled() {
        val cases = mapOf<Int, Pair<Boolean?, Boolean?>>(
            BiometricManager.BIOMETRIC_SUCCESS to (true to true),
            BiometricManager.BIOMETRIC_ERROR_NONE_ENROLLED to (true to false),
            BiometricManager.BIOMETRIC_ERROR_NO_HARDWARE to (false to false),
            BiometricManager.BIOMETRIC_ERROR_HW_UNAVAILABLE to (true to null),
            BiometricManager.BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED to (true to null),
            -1 to (null to null), // a status this version does not know
        )
        for ((status, expected) in cases) {
            readings.values["biometricStatus"] = status
            val facts = facts()
            assertEquals("status $status", expected, facts.biometricsAvailable to facts.biometricsEnrolled)
        }
    }

    @Test
    fun everyEncryptionStatusAndAnUnknownOne() {
        val cases = mapOf(
            DevicePolicyManager.ENCRYPTION_STATUS_UNSUPPORTED to StorageEncryption.UNSUPPORTED,
            DevicePolicyManager.ENCRYPTION_STATUS_INACTIVE to StorageEncryption.INACTIVE,
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVATING to StorageEncryption.ACTIVATING,
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVE to StorageEncryption.ACTIVE,
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVE_DEFAULT_KEY to StorageEncryption.ACTIVE_DEFAULT_KEY,
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVE_PER_USER to StorageEncryption.ACTIVE_PER_USER,
            42 to null,
        )
        for ((status, expected) in cases) {
            readings.values["storageEncryptionStatus"] = status
            assertEquals("status $status", expected, facts().storageEncryption)
        }
    }

    @Test
    fun aReadThatIsNotPermittedIsUnknownAndTheOthersStay() {
        readings.failing += setOf("passwordComplexity", "isDeviceSecure", "adb_enabled", "securityPatch")
        val facts = facts()
        assertNull(facts.lockComplexity)
        assertNull(facts.secureLockScreen)
        assertNull(facts.usbDebugging)
        assertNull(facts.securityPatch)
        assertEquals(false, facts.developerOptions)
        assertEquals(StorageEncryption.ACTIVE_PER_USER, facts.storageEncryption)
    }

    @Test
    fun developerOptionsAndAdbFollowTheGlobalSettings() {
        readings.values["development_settings_enabled"] = 1
        readings.values["adb_enabled"] = 1
        val facts = facts()
        assertEquals(true, facts.developerOptions)
        assertEquals(true, facts.usbDebugging)
    }

    @Test
    fun unknownSourcesFollowTheUserRestrictions() {
        readings.values["no_install_unknown_sources"] = false
        assertEquals("no restriction: the user may allow installs", true, facts().unknownSources)
        readings.values["no_install_unknown_sources_globally"] = true
        assertEquals(false, facts().unknownSources)
        readings.sdkInt = 28 // the global restriction does not exist before API 29
        readings.values["no_install_unknown_sources_globally"] = null
        assertEquals(true, facts().unknownSources)
        readings.failing += "no_install_unknown_sources"
        assertNull(facts().unknownSources)
    }

    @Test
    fun rootSignalsFromEachSource() {
        readings.existingFiles += "/system/xbin/su"
        readings.values["buildTags"] = "test-keys"
        readings.installedPackages += "com.topjohnwu.magisk"
        readings.values["mounts"] = "/dev/block/dm-0 /system ext4 rw,seclabel,relatime 0 0\n"
        readings.values["debuggerConnected"] = true
        readings.values["buildFingerprint"] = "generic/sdk_gphone64_x86_64/emu64x:16/BP3A/1:userdebug/test-keys"
        readings.values["buildHardware"] = "ranchu"
        assertEquals(
            listOf(
                RootSignal.SU_BINARY, RootSignal.TEST_KEYS, RootSignal.MAGISK_PACKAGE,
                RootSignal.WRITABLE_SYSTEM, RootSignal.DEBUGGER_ATTACHED, RootSignal.EMULATOR,
            ),
            facts().rootSignals,
        )
    }

    @Test
    fun magiskMountsCountWithoutThePackageAndReadOnlySystemDoesNot() {
        readings.values["mounts"] = "magisk /sbin tmpfs rw 0 0\n/dev/block/dm-0 / ext4 ro 0 0\n"
        assertEquals(listOf(RootSignal.MAGISK_PACKAGE), facts().rootSignals)
    }

    @Test
    fun rootSignalsAreUnknownOnlyWhenNothingCouldBeRead() {
        readings.failing += setOf("fileExists", "buildTags", "mounts", "packageInstalled", "debuggerConnected", "buildFingerprint", "buildHardware")
        assertNull(facts().rootSignals)
        readings.failing -= "buildTags"
        assertEquals(emptyList<RootSignal>(), facts().rootSignals)
    }

    @Test
    fun managedByMdmFromRestrictionsOrAnAdmin() {
        readings.values["managedConfigKeyCount"] = 0
        readings.values["hasActiveDeviceAdmin"] = false
        assertEquals(false, facts().managedByMdm)
        readings.values["hasActiveDeviceAdmin"] = null
        assertNull(facts().managedByMdm)
        readings.values["managedConfigKeyCount"] = 2
        assertEquals(true, facts().managedByMdm)
    }

    @Test
    fun anEmptyBuildIdFallsBackToTheDisplayAndBlankTextIsUnknown() {
        readings.values["buildId"] = ""
        readings.values["osRelease"] = "  "
        val facts = facts()
        assertEquals("BP3A.251105.015 release-keys", facts.osBuild)
        assertNull(facts.osVersion)
    }

    @Test
    fun theCoreJudgesTheProbesFacts() {
        val dir = tempDir("frontline-probe")
        try {
            openCompanion(dir).use { companion ->
                val good = companion.checkPosture(facts(), PostureTrigger.User)
                assertEquals(Verdict.COMPLIANT, good.verdict)

                readings.values["isDeviceSecure"] = false
                readings.values["passwordComplexity"] = AndroidPostureProbe.PASSWORD_COMPLEXITY_NONE
                val noLock = companion.checkPosture(facts(), PostureTrigger.User)
                assertTrue(noLock.checks.any { it.status == CheckStatus.FAIL })
                assertTrue(noLock.verdict != Verdict.COMPLIANT)

                readings.values["isDeviceSecure"] = true
                readings.values["passwordComplexity"] = AndroidPostureProbe.PASSWORD_COMPLEXITY_HIGH
                readings.failing += "storageEncryptionStatus"
                val unreadable = companion.checkPosture(facts(), PostureTrigger.User)
                assertTrue("unknown is never a pass", unreadable.checks.any { it.status == CheckStatus.UNKNOWN })
                assertEquals(Verdict.UNKNOWN, unreadable.verdict)
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
