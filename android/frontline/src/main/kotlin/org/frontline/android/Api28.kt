// Why this file exists: framework calls added in API 28 (Android 9), kept apart so that every
// other file compiles against the minSdk 26 framework. Callers check Build.VERSION.SDK_INT >= 28
// first; scripts/steps/android.sh compiles this file against API 28 and checks the callers.
package org.frontline.android

import android.content.pm.PackageManager
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.StrongBoxUnavailableException
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

internal object Api28 {
    /** The device has a StrongBox Keymaster (`FEATURE_STRONGBOX_KEYSTORE`). */
    fun hasStrongBox(packageManager: PackageManager): Boolean =
        packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    /** Generates the key in StrongBox, or returns null when StrongBox cannot hold it. */
    fun generateInStrongBox(generator: KeyGenerator, spec: KeyGenParameterSpec.Builder): SecretKey? = try {
        generator.init(spec.setIsStrongBoxBacked(true).build())
        generator.generateKey()
    } catch (e: StrongBoxUnavailableException) {
        null
    }
}
