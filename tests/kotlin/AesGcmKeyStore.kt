// The platform key store every Kotlin test uses: AES-256-GCM under a javax.crypto key held by
// the object, standing in for the Android Keystore (which would hold the key in hardware).
package org.frontline.tests

import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.frontline.core.KeyStore
import org.frontline.core.PlatformException

/** Wraps the data key with AES-256-GCM under a key that stays in this object (the platform's). */
class AesGcmKeyStore(private val key: SecretKey = newKey()) : KeyStore {
    val wraps = AtomicInteger()
    val unwraps = AtomicInteger()

    override fun wrapKey(key: ByteArray): ByteArray {
        wraps.incrementAndGet()
        val iv = ByteArray(12).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, this.key, GCMParameterSpec(128, iv))
        cipher.updateAAD(AAD)
        return iv + cipher.doFinal(key)
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray {
        unwraps.incrementAndGet()
        if (wrapped.size < 12 + 16) throw PlatformException.Failed("wrapped key too short")
        return try {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, 12))
            cipher.updateAAD(AAD)
            cipher.doFinal(wrapped, 12, wrapped.size - 12)
        } catch (e: javax.crypto.AEADBadTagException) {
            // This key can never open the blob: permanent, like an invalidated Keystore key.
            throw PlatformException.KeyInvalidated("wrapped key failed authentication")
        }
    }

    companion object {
        private val AAD = "frontline/test-keystore".toByteArray()

        fun newKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }
}
