// Why this file exists: framework APIs of API 30 (Android 11) that the sample uses, kept apart so
// every other file compiles against minSdk 26. Callers check the API level first.
package org.frontline.sample

import android.provider.Settings

internal object Api30 {
    /** `Settings.ACTION_BIOMETRIC_ENROLL` (API 30). */
    const val ACTION_BIOMETRIC_ENROLL: String = Settings.ACTION_BIOMETRIC_ENROLL
}
