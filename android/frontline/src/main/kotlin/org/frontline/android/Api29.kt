// Why this file exists: framework calls added in API 29 (Android 10), kept apart so that every
// other file compiles against the minSdk 26 framework. Callers check Build.VERSION.SDK_INT >= 29
// first; scripts/steps/android.sh compiles this file against API 29 and checks the callers.
package org.frontline.android

import android.app.admin.DevicePolicyManager
import android.content.Context
import android.hardware.biometrics.BiometricManager

internal object Api29 {
    /** `getPasswordComplexity()`; null without `REQUEST_PASSWORD_COMPLEXITY`. */
    fun passwordComplexity(policy: DevicePolicyManager): Int? = try {
        policy.passwordComplexity
    } catch (e: SecurityException) {
        null
    }

    /** `BiometricManager.canAuthenticate()` (deprecated in API 30 for the typed variant). */
    @Suppress("DEPRECATION")
    fun biometricStatus(context: Context): Int? =
        context.getSystemService(BiometricManager::class.java)?.canAuthenticate()
}
