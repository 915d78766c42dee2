// Why this file exists: the wrapping key in the Android Keystore (AndroidKeyStore provider): a
// non-exportable AES-256-GCM key, in StrongBox when the device has one (API 28+) and in the TEE
// otherwise, with no user-authentication binding, because the scheduled sync must open the store
// while the phone is locked. KeystoreKeyStore does the wrapping and the error mapping.
package org.frontline.android

import android.content.Context
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/** [WrappingKeys] in the AndroidKeyStore under [alias]. */
class AndroidKeystoreKeys(
    context: Context,
    private val alias: String = DEFAULT_ALIAS,
) : WrappingKeys {
    private val packageManager = context.applicationContext.packageManager

    override fun existing(): SecretKey? {
        val store = KeyStore.getInstance(PROVIDER).apply { load(null) }
        return store.getKey(alias, null) as? SecretKey
    }

    override fun create(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        if (Build.VERSION.SDK_INT >= 28 && Api28.hasStrongBox(packageManager)) {
            Api28.generateInStrongBox(generator, spec())?.let { return it }
        }
        generator.init(spec().build())
        return generator.generateKey()
    }

    private fun spec(): KeyGenParameterSpec.Builder =
        KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setKeySize(256)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setRandomizedEncryptionRequired(true)
            .setUserAuthenticationRequired(false)

    companion object {
        /** The alias of Frontline's wrapping key. */
        const val DEFAULT_ALIAS = "org.frontline.data-key-wrap"
        private const val PROVIDER = "AndroidKeyStore"
    }
}
