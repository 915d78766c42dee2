// Why this file exists: framework APIs of API 28 (Android 9) that the sample uses, kept apart so
// every other file compiles against minSdk 26. Callers check Build.VERSION.SDK_INT >= 28.
package org.frontline.sample

import android.view.View

internal object Api28 {
    /** Marks a view as a heading for TalkBack's heading navigation. */
    fun markHeading(view: View) {
        view.isAccessibilityHeading = true
    }
}
