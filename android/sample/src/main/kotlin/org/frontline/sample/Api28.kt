// Why this file exists: framework APIs of API 28 (Android 9) that the sample uses, kept apart so
// every other file compiles against minSdk 26. Callers check Build.VERSION.SDK_INT >= 28.
package org.frontline.sample

import android.provider.Settings
import android.view.View

internal object Api28 {
    /** `Settings.ACTION_FINGERPRINT_ENROLL` (API 28; deprecated by BIOMETRIC_ENROLL in 30). */
    @Suppress("DEPRECATION")
    const val ACTION_FINGERPRINT_ENROLL: String = Settings.ACTION_FINGERPRINT_ENROLL

    /** Marks a view as a heading for TalkBack's heading navigation. */
    fun markHeading(view: View) {
        view.isAccessibilityHeading = true
    }
}
