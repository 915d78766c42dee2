// Why this file exists: the core's data key must be wrapped by a key that never leaves the
// device's secure hardware. This is the core's KeyStore on an AES-256-GCM key of the Android
// Keystore (WrappingKeys), and the single place where Keystore failures become the core's
// typed errors: a key that is gone for good (invalidated, deleted, a blob it cannot open) is
// KeyInvalidated, so the app can run recover_local_store; anything that may pass (Keystore
// busy, device locked) is Failed, so the core reports KeyStoreUnavailable and nothing is lost.
// It must never call back into the Companion (it runs inside a core call).
package org.frontline.android

import android.security.keystore.KeyPermanentlyInvalidatedException
import java.security.GeneralSecurityException
import java.security.ProviderException
import java.security.UnrecoverableKeyException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.frontline.core.KeyStore
import org.frontline.core.PlatformException

/** Where the wrapping key lives: the Android Keystore on a device ([AndroidKeystoreKeys]). */
interface WrappingKeys {
    /** The wrapping key, or null when there is none (never created, or deleted). */
    fun existing(): SecretKey?

    /** Creates the wrapping key. Called only when [existing] returned null. */
    fun create(): SecretKey
}

/** The core's [KeyStore] on a non-exportable AES-256-GCM key. */
class KeystoreKeyStore(private val keys: WrappingKeys) : KeyStore {
    private val lock = Any()

    override fun wrapKey(key: ByteArray): ByteArray = guarded(unwrapping = false) {
        val wrappingKey = synchronized(lock) { keys.existing() ?: keys.create() }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // No IV passed: the Keystore (randomized encryption) picks a fresh one for every wrap.
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey)
        cipher.updateAAD(AAD)
        val iv = cipher.iv
        if (iv == null || iv.size != IV_BYTES) throw GeneralSecurityException("unexpected IV length")
        byteArrayOf(FORMAT_V1) + iv + cipher.doFinal(key)
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray = guarded(unwrapping = true) {
        if (wrapped.size < 1 + IV_BYTES + TAG_BYTES || wrapped[0] != FORMAT_V1) {
            throw PlatformException.KeyInvalidated("wrapped key is not in this key store's format")
        }
        val wrappingKey = synchronized(lock) { keys.existing() }
            ?: throw PlatformException.KeyInvalidated("the wrapping key no longer exists")
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey, GCMParameterSpec(TAG_BYTES * 8, wrapped, 1, IV_BYTES))
        cipher.updateAAD(AAD)
        cipher.doFinal(wrapped, 1 + IV_BYTES, wrapped.size - 1 - IV_BYTES)
    }

    private inline fun guarded(unwrapping: Boolean, block: () -> ByteArray): ByteArray = try {
        block()
    } catch (e: PlatformException) {
        throw e
    } catch (e: Exception) {
        throw keystoreFailure(e, unwrapping)
    }

    companion object {
        /** First byte of every wrapped blob, so a later format can be told apart. */
        const val FORMAT_V1: Byte = 1
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val IV_BYTES = 12
        private const val TAG_BYTES = 16
        private val AAD = "frontline/android-keystore/v1".toByteArray()

        /**
         * The core's error for a Keystore failure. The reason names the failure's kind only
         * (no alias, no device state), and the core never logs it anyway.
         */
        fun keystoreFailure(e: Throwable, unwrapping: Boolean): PlatformException = when {
            // The key was invalidated (lock screen removed, biometrics changed): gone for good.
            e is KeyPermanentlyInvalidatedException ->
                PlatformException.KeyInvalidated("the Keystore key was permanently invalidated")
            e is UnrecoverableKeyException ->
                PlatformException.KeyInvalidated("the Keystore key cannot be recovered")
            // This key can never open the blob: it was wrapped by another (deleted) key.
            unwrapping && e is AEADBadTagException ->
                PlatformException.KeyInvalidated("the wrapped key does not open with the Keystore key")
            // Keystore daemon errors, a locked device, a busy StrongBox: may pass, try later.
            e is GeneralSecurityException || e is ProviderException || e is IllegalStateException ->
                PlatformException.Failed("the Keystore is unavailable (${e.javaClass.simpleName})")
            else -> PlatformException.Failed("the Keystore failed (${e.javaClass.simpleName})")
        }
    }
}
