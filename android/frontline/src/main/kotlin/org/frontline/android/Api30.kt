// Why this file exists: framework calls added in API 30 (Android 11), kept apart so that every
// other file compiles against the minSdk 26 framework. Callers check Build.VERSION.SDK_INT >= 30
// first; scripts/steps/android.sh compiles this file against API 30 and checks the callers.
package org.frontline.android

import android.content.Context
import android.hardware.biometrics.BiometricManager

internal object Api30 {
    /** `canAuthenticate(BIOMETRIC_WEAK)`: any enrolled biometric, Class 2 or better. */
    fun weakBiometricStatus(context: Context): Int? =
        context.getSystemService(BiometricManager::class.java)
            ?.canAuthenticate(BiometricManager.Authenticators.BIOMETRIC_WEAK)
}
