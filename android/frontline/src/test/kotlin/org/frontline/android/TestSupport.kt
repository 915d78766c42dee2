// What the Android library's JVM tests share: the fakes for the thin framework reads (the
// device's raw values, the Keystore's key, the MDM's map) and a real core opened in a temporary
// directory on the host library (build/bindings/libfrontline_ffi.so, loaded by JNA). What every
// Kotlin test needs (the app's configuration, a current phone's facts, an in-memory AES key) is
// in tests/kotlin/TestSupport.kt, which scripts/steps/android.sh compiles with these tests.
package org.frontline.android

import java.io.File
import java.nio.file.Files
import javax.crypto.SecretKey
import org.frontline.FrontlineCompanion
import org.frontline.core.CompanionConfig
import org.frontline.tests.AesGcmKeyStore
import org.frontline.tests.testConfig

/** The Android Keystore stood in for by a JCE key held in memory; counts what is asked. */
class MemoryWrappingKeys : WrappingKeys {
    var key: SecretKey? = null
    var created = 0

    override fun existing(): SecretKey? = key

    override fun create(): SecretKey {
        created++
        return AesGcmKeyStore.newKey().also { key = it }
    }
}

/** A device whose raw values are set by each test; a name in [failing] throws SecurityException. */
class FakeReadings(override var sdkInt: Int = 36) : DeviceReadings {
    val values = mutableMapOf<String, Any?>(
        "osRelease" to "16",
        "buildId" to "BP3A.251105.015",
        "buildDisplay" to "BP3A.251105.015 release-keys",
        "securityPatch" to "2026-11-05",
        "buildTags" to "release-keys",
        "buildFingerprint" to "google/husky/husky:16/BP3A.251105.015/1:user/release-keys",
        "buildHardware" to "husky",
        "isDeviceSecure" to true,
        "passwordComplexity" to AndroidPostureProbe.PASSWORD_COMPLEXITY_HIGH,
        "biometricStatus" to AndroidPostureProbe.BIOMETRIC_SUCCESS,
        "storageEncryptionStatus" to 5, // ENCRYPTION_STATUS_ACTIVE_PER_USER
        "development_settings_enabled" to 0,
        "adb_enabled" to 0,
        "no_install_unknown_sources" to true,
        "no_install_unknown_sources_globally" to false,
        "mounts" to "/dev/block/dm-0 / ext4 ro,seclabel,relatime 0 0\n/dev/block/dm-5 /vendor ext4 ro 0 0\n",
        "debuggerConnected" to false,
        "managedConfigKeyCount" to 3,
        "hasActiveDeviceAdmin" to true,
        "appVersionName" to "0.1.0",
    )
    val existingFiles = mutableSetOf<String>()
    val installedPackages = mutableSetOf<String>()
    val failing = mutableSetOf<String>()
    var now = 1_795_867_200_000L

    @Suppress("UNCHECKED_CAST")
    private fun <T> value(name: String): T? {
        if (name in failing) throw SecurityException("not permitted: $name")
        return values[name] as T?
    }

    override fun osRelease(): String? = value("osRelease")
    override fun buildId(): String? = value("buildId")
    override fun buildDisplay(): String? = value("buildDisplay")
    override fun securityPatch(): String? = value("securityPatch")
    override fun buildTags(): String? = value("buildTags")
    override fun buildFingerprint(): String? = value("buildFingerprint")
    override fun buildHardware(): String? = value("buildHardware")
    override fun isDeviceSecure(): Boolean? = value("isDeviceSecure")
    override fun passwordComplexity(): Int? = value("passwordComplexity")
    override fun biometricStatus(): Int? = value("biometricStatus")
    override fun storageEncryptionStatus(): Int? = value("storageEncryptionStatus")
    override fun globalSetting(name: String): Int? = value(name)
    override fun userRestriction(name: String): Boolean? = value(name)
    override fun fileExists(path: String): Boolean? = if ("fileExists" in failing) null else path in existingFiles
    override fun mounts(): String? = value("mounts")
    override fun packageInstalled(packageName: String): Boolean? =
        if ("packageInstalled" in failing) throw SecurityException("no visibility") else packageName in installedPackages
    override fun debuggerConnected(): Boolean? = value("debuggerConnected")
    override fun managedConfigKeyCount(): Int? = value("managedConfigKeyCount")
    override fun hasActiveDeviceAdmin(): Boolean? = value("hasActiveDeviceAdmin")
    override fun appVersionName(): String? = value("appVersionName")
    override fun nowMs(): Long = now
}

fun tempDir(prefix: String): File = Files.createTempDirectory(prefix).toFile()

/** The app's own configuration for the Android tests (the MDM's map overrides it). */
fun appConfig(collectorUrl: String? = null, enrolmentToken: String? = null, orgReportKey: String? = null) =
    testConfig("stf-android-test", collectorUrl = collectorUrl, enrolmentToken = enrolmentToken, orgReportKey = orgReportKey)

/** A real core in [dir] with the Keystore key store on [keys]. */
fun openCompanion(dir: File, keys: WrappingKeys = MemoryWrappingKeys(), config: CompanionConfig = appConfig()) =
    FrontlineCompanion(dir.path, config, KeystoreKeyStore(keys))

/** An X25519 public key (32 bytes, base64url) standing in for the organisation's report key. */
const val ORG_REPORT_KEY = "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"
