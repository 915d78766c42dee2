// Why this file exists: the core judges posture from a DeviceFacts record and never asks the OS
// itself. This is the one place that says which raw Android value becomes which fact. It never
// guesses: a value the device would not give (missing API, no permission, an exception, a code
// this version does not know) becomes null, which the core evaluates as `unknown`. The table of
// APIs, levels and permissions is in docs/android.md and docs/posture.md.
package org.frontline.android

import android.app.admin.DevicePolicyManager
import android.provider.Settings
import android.os.UserManager
import org.frontline.core.DeviceFacts
import org.frontline.core.LockComplexity
import org.frontline.core.Platform
import org.frontline.core.RootSignal
import org.frontline.core.StorageEncryption

/** Fills [DeviceFacts] from [DeviceReadings]; on a device use [AndroidDeviceReadings]. */
class AndroidPostureProbe(private val readings: DeviceReadings) {

    /** Reads every fact once. Safe to call from any thread; each read is independent. */
    fun collect(): DeviceFacts {
        val biometrics = biometrics()
        return DeviceFacts(
            platform = Platform.ANDROID,
            osVersion = read { readings.osRelease() }?.ifBlank { null },
            osBuild = osBuild(),
            securityPatch = read { readings.securityPatch() }?.ifBlank { null },
            secureLockScreen = read { readings.isDeviceSecure() },
            lockComplexity = lockComplexity(),
            biometricsAvailable = biometrics?.first,
            biometricsEnrolled = biometrics?.second,
            storageEncryption = storageEncryption(read { readings.storageEncryptionStatus() }),
            developerOptions = read { readings.globalSetting(Settings.Global.DEVELOPMENT_SETTINGS_ENABLED) }?.let { it != 0 },
            usbDebugging = read { readings.globalSetting(Settings.Global.ADB_ENABLED) }?.let { it != 0 },
            unknownSources = unknownSources(),
            rootSignals = rootSignals(),
            managedByMdm = managedByMdm(),
            appVersion = read { readings.appVersionName() }?.ifBlank { null },
            collectedAtMs = readings.nowMs(),
        )
    }

    private fun osBuild(): String? =
        read { readings.buildId() }?.ifBlank { null } ?: read { readings.buildDisplay() }?.ifBlank { null }

    private fun lockComplexity(): LockComplexity? {
        if (readings.sdkInt < 29) return null
        return when (read { readings.passwordComplexity() }) {
            PASSWORD_COMPLEXITY_NONE -> LockComplexity.NONE
            PASSWORD_COMPLEXITY_LOW -> LockComplexity.LOW
            PASSWORD_COMPLEXITY_MEDIUM -> LockComplexity.MEDIUM
            PASSWORD_COMPLEXITY_HIGH -> LockComplexity.HIGH
            else -> null
        }
    }

    /** (available, enrolled), each null when the status does not tell. */
    private fun biometrics(): Pair<Boolean?, Boolean?>? {
        if (readings.sdkInt < 29) return null
        return when (read { readings.biometricStatus() }) {
            BIOMETRIC_SUCCESS -> true to true
            BIOMETRIC_ERROR_NONE_ENROLLED -> true to false
            BIOMETRIC_ERROR_NO_HARDWARE -> false to false
            // Hardware busy or needing a security update: present, enrolment not readable now.
            BIOMETRIC_ERROR_HW_UNAVAILABLE, BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED -> true to null
            else -> null
        }
    }

    private fun unknownSources(): Boolean? {
        // API 26+: installing from unknown sources is a per-app grant the user may give unless a
        // user restriction forbids it. Other apps' grants are not readable, so "may" is true.
        val restricted = read { readings.userRestriction(UserManager.DISALLOW_INSTALL_UNKNOWN_SOURCES) }
        val restrictedGlobally = if (readings.sdkInt >= 29) {
            read { readings.userRestriction(DISALLOW_INSTALL_UNKNOWN_SOURCES_GLOBALLY) }
        } else {
            false
        }
        return when {
            restricted == true || restrictedGlobally == true -> false
            restricted == null || restrictedGlobally == null -> null
            else -> true
        }
    }

    private fun rootSignals(): List<RootSignal>? {
        val found = mutableListOf<RootSignal>()
        var anyRead = false
        fun signal(value: Boolean?, signal: RootSignal) {
            if (value != null) anyRead = true
            if (value == true) found += signal
        }
        val suSeen = SU_PATHS.map { read { readings.fileExists(it) } }
        signal(if (suSeen.all { it == null }) null else suSeen.any { it == true }, RootSignal.SU_BINARY)
        signal(read { readings.buildTags() }?.contains("test-keys"), RootSignal.TEST_KEYS)
        val mounts = read { readings.mounts() }
        val magiskPackage = MAGISK_PACKAGES.map { read { readings.packageInstalled(it) } }
        val magiskMount = mounts?.contains("magisk", ignoreCase = true)
        signal(
            when {
                magiskPackage.any { it == true } || magiskMount == true -> true
                magiskPackage.all { it == null } && magiskMount == null -> null
                else -> false
            },
            RootSignal.MAGISK_PACKAGE,
        )
        signal(mounts?.let { systemMountedWritable(it) }, RootSignal.WRITABLE_SYSTEM)
        signal(read { readings.debuggerConnected() }, RootSignal.DEBUGGER_ATTACHED)
        signal(emulator(), RootSignal.EMULATOR)
        return if (anyRead) found else null
    }

    private fun emulator(): Boolean? {
        val fingerprint = read { readings.buildFingerprint() }
        val hardware = read { readings.buildHardware() }
        if (fingerprint == null && hardware == null) return null
        return fingerprint?.startsWith("generic") == true ||
            fingerprint?.contains("/sdk_gphone") == true ||
            hardware in EMULATOR_HARDWARE
    }

    private fun managedByMdm(): Boolean? {
        val keys = read { readings.managedConfigKeyCount() }
        val admin = read { readings.hasActiveDeviceAdmin() }
        return when {
            (keys ?: 0) > 0 || admin == true -> true
            keys == null || admin == null -> null
            else -> false
        }
    }

    /** Runs one read; a read that throws (no permission, a vendor bug) is "could not tell". */
    private inline fun <T> read(block: () -> T?): T? = try {
        block()
    } catch (e: RuntimeException) {
        null
    }

    companion object {
        // Framework values from API levels above minSdk 26, spelled out so that this mapping
        // compiles against the minSdk framework; the JVM tests compare each with the framework.
        /** `DevicePolicyManager.PASSWORD_COMPLEXITY_NONE` (API 29). */
        const val PASSWORD_COMPLEXITY_NONE = 0
        /** `DevicePolicyManager.PASSWORD_COMPLEXITY_LOW` (API 29). */
        const val PASSWORD_COMPLEXITY_LOW = 0x10000
        /** `DevicePolicyManager.PASSWORD_COMPLEXITY_MEDIUM` (API 29). */
        const val PASSWORD_COMPLEXITY_MEDIUM = 0x30000
        /** `DevicePolicyManager.PASSWORD_COMPLEXITY_HIGH` (API 29). */
        const val PASSWORD_COMPLEXITY_HIGH = 0x50000
        /** `BiometricManager.BIOMETRIC_SUCCESS` (API 29). */
        const val BIOMETRIC_SUCCESS = 0
        /** `BiometricManager.BIOMETRIC_ERROR_HW_UNAVAILABLE` (API 29). */
        const val BIOMETRIC_ERROR_HW_UNAVAILABLE = 1
        /** `BiometricManager.BIOMETRIC_ERROR_NONE_ENROLLED` (API 29). */
        const val BIOMETRIC_ERROR_NONE_ENROLLED = 11
        /** `BiometricManager.BIOMETRIC_ERROR_NO_HARDWARE` (API 29). */
        const val BIOMETRIC_ERROR_NO_HARDWARE = 12
        /** `BiometricManager.BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED` (API 31). */
        const val BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED = 15
        /** `UserManager.DISALLOW_INSTALL_UNKNOWN_SOURCES_GLOBALLY` (API 29). */
        const val DISALLOW_INSTALL_UNKNOWN_SOURCES_GLOBALLY = "no_install_unknown_sources_globally"

        /** Where a `su` binary is found on rooted devices (docs/posture.md). */
        val SU_PATHS = listOf(
            "/system/bin/su", "/system/xbin/su", "/sbin/su", "/su/bin/su",
            "/data/local/su", "/data/local/bin/su", "/data/local/xbin/su",
        )

        /** Magisk's package names; each must be listed under `<queries>` in the manifest. */
        val MAGISK_PACKAGES = listOf("com.topjohnwu.magisk", "io.github.huskydg.magisk")

        private val EMULATOR_HARDWARE = setOf("goldfish", "ranchu", "vbox86")

        /** `ENCRYPTION_STATUS_*` → the core's value; an unknown code is unknown, not a pass. */
        fun storageEncryption(status: Int?): StorageEncryption? = when (status) {
            DevicePolicyManager.ENCRYPTION_STATUS_UNSUPPORTED -> StorageEncryption.UNSUPPORTED
            DevicePolicyManager.ENCRYPTION_STATUS_INACTIVE -> StorageEncryption.INACTIVE
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVATING -> StorageEncryption.ACTIVATING
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVE -> StorageEncryption.ACTIVE
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVE_DEFAULT_KEY -> StorageEncryption.ACTIVE_DEFAULT_KEY
            DevicePolicyManager.ENCRYPTION_STATUS_ACTIVE_PER_USER -> StorageEncryption.ACTIVE_PER_USER
            else -> null
        }

        /** True when a `/proc/mounts` line mounts `/system` (or `/`, system-as-root) read-write. */
        fun systemMountedWritable(mounts: String): Boolean = mounts.lineSequence().any { line ->
            val fields = line.trim().split(Regex("\\s+"))
            fields.size >= 4 && (fields[1] == "/system" || fields[1] == "/") &&
                fields[3].split(',').contains("rw") && fields[2] != "rootfs" && fields[2] != "tmpfs"
        }
    }
}
