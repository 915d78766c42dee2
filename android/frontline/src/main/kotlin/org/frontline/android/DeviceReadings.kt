// Why this file exists: AndroidPostureProbe must turn raw platform values into DeviceFacts, and
// that mapping has to be tested on a JVM where no framework service answers. Every framework
// read the probe needs is one method here, returning the raw value exactly as the API gives it
// (or null when the API is missing at this API level, not permitted, or failed). The device
// implementation is AndroidDeviceReadings; the tests use a fake. Nothing here interprets values.
package org.frontline.android

/** The raw device values behind [org.frontline.core.DeviceFacts], one framework read each. */
interface DeviceReadings {
    /** `Build.VERSION.SDK_INT`. */
    val sdkInt: Int

    /** `Build.VERSION.RELEASE`, e.g. `16`. */
    fun osRelease(): String?

    /** `Build.ID`, e.g. `BP3A.251105.015`. */
    fun buildId(): String?

    /** `Build.DISPLAY` (used when `Build.ID` is empty). */
    fun buildDisplay(): String?

    /** `Build.VERSION.SECURITY_PATCH`, `YYYY-MM-DD` (API 23). */
    fun securityPatch(): String?

    /** `Build.TAGS`, e.g. `release-keys`. */
    fun buildTags(): String?

    /** `Build.FINGERPRINT`. */
    fun buildFingerprint(): String?

    /** `Build.HARDWARE`, e.g. `ranchu` on the emulator. */
    fun buildHardware(): String?

    /** `KeyguardManager.isDeviceSecure()` (API 23). */
    fun isDeviceSecure(): Boolean?

    /** `DevicePolicyManager.getPasswordComplexity()` (API 29, `REQUEST_PASSWORD_COMPLEXITY`). */
    fun passwordComplexity(): Int?

    /**
     * `BiometricManager.canAuthenticate(BIOMETRIC_WEAK)` (API 30) or `canAuthenticate()`
     * (API 29): `BIOMETRIC_SUCCESS`, `BIOMETRIC_ERROR_*`.
     */
    fun biometricStatus(): Int?

    /** `DevicePolicyManager.getStorageEncryptionStatus()` (`ENCRYPTION_STATUS_*`). */
    fun storageEncryptionStatus(): Int?

    /** An integer from `Settings.Global` (`DEVELOPMENT_SETTINGS_ENABLED`, `ADB_ENABLED`). */
    fun globalSetting(name: String): Int?

    /** `UserManager.hasUserRestriction(name)`. */
    fun userRestriction(name: String): Boolean?

    /** Whether a file exists at `path` (root signals). */
    fun fileExists(path: String): Boolean?

    /** The text of `/proc/mounts`. */
    fun mounts(): String?

    /** Whether the package is installed and visible to this app (`<queries>` on API 30+). */
    fun packageInstalled(packageName: String): Boolean?

    /** `android.os.Debug.isDebuggerConnected()`. */
    fun debuggerConnected(): Boolean?

    /** The number of keys in `RestrictionsManager.getApplicationRestrictions()`. */
    fun managedConfigKeyCount(): Int?

    /** `DevicePolicyManager.getActiveAdmins()` is not empty (an EMM administers the device). */
    fun hasActiveDeviceAdmin(): Boolean?

    /** `PackageInfo.versionName` of this app. */
    fun appVersionName(): String?

    /** `System.currentTimeMillis()`. */
    fun nowMs(): Long
}
