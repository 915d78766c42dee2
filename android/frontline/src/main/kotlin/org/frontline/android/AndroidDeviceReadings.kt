// Why this file exists: the device side of DeviceReadings. Each method is one framework call,
// kept thin on purpose (the mapping lives in AndroidPostureProbe and is tested on the JVM).
// Calls above minSdk 26 go through the ApiNN objects behind an SDK_INT check; a read the app may
// not make (SecurityException) or that fails returns null, which the probe reports as unknown.
package org.frontline.android

import android.app.KeyguardManager
import android.app.admin.DevicePolicyManager
import android.content.Context
import android.content.RestrictionsManager
import android.content.pm.PackageManager
import android.os.Build
import android.os.Debug
import android.os.UserManager
import android.provider.Settings
import java.io.File

/** [DeviceReadings] from the framework services of `context` (the application context). */
class AndroidDeviceReadings(context: Context) : DeviceReadings {
    private val context: Context = context.applicationContext

    override val sdkInt: Int get() = Build.VERSION.SDK_INT

    override fun osRelease(): String? = Build.VERSION.RELEASE

    override fun buildId(): String? = Build.ID

    override fun buildDisplay(): String? = Build.DISPLAY

    override fun securityPatch(): String? = Build.VERSION.SECURITY_PATCH

    override fun buildTags(): String? = Build.TAGS

    override fun buildFingerprint(): String? = Build.FINGERPRINT

    override fun buildHardware(): String? = Build.HARDWARE

    override fun isDeviceSecure(): Boolean? =
        context.getSystemService(KeyguardManager::class.java)?.isDeviceSecure

    override fun passwordComplexity(): Int? {
        if (Build.VERSION.SDK_INT < 29) return null
        val policy = context.getSystemService(DevicePolicyManager::class.java) ?: return null
        return Api29.passwordComplexity(policy)
    }

    override fun biometricStatus(): Int? = when {
        Build.VERSION.SDK_INT >= 30 -> Api30.weakBiometricStatus(context)
        Build.VERSION.SDK_INT >= 29 -> Api29.biometricStatus(context)
        else -> null
    }

    override fun storageEncryptionStatus(): Int? =
        context.getSystemService(DevicePolicyManager::class.java)?.storageEncryptionStatus

    override fun globalSetting(name: String): Int? = try {
        Settings.Global.getInt(context.contentResolver, name)
    } catch (e: Settings.SettingNotFoundException) {
        // Never written on this device: the platform default (off) is in force.
        0
    }

    override fun userRestriction(name: String): Boolean? =
        context.getSystemService(UserManager::class.java)?.hasUserRestriction(name)

    override fun fileExists(path: String): Boolean? = try {
        File(path).exists()
    } catch (e: SecurityException) {
        null
    }

    override fun mounts(): String? = try {
        File("/proc/mounts").readText()
    } catch (e: java.io.IOException) {
        null
    }

    override fun packageInstalled(packageName: String): Boolean? = try {
        context.packageManager.getPackageInfo(packageName, 0)
        true
    } catch (e: PackageManager.NameNotFoundException) {
        false
    }

    override fun debuggerConnected(): Boolean? = Debug.isDebuggerConnected()

    override fun managedConfigKeyCount(): Int? =
        context.getSystemService(RestrictionsManager::class.java)?.applicationRestrictions?.size()

    override fun hasActiveDeviceAdmin(): Boolean? {
        val policy = context.getSystemService(DevicePolicyManager::class.java) ?: return null
        return !policy.activeAdmins.isNullOrEmpty()
    }

    override fun appVersionName(): String? = try {
        context.packageManager.getPackageInfo(context.packageName, 0).versionName
    } catch (e: PackageManager.NameNotFoundException) {
        null
    }

    override fun nowMs(): Long = System.currentTimeMillis()
}
