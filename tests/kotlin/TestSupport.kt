// What every Kotlin test (and the FFI benchmark) shares: the platform key store (AES-256-GCM
// under a javax.crypto key held by the object, standing in for the Android Keystore, which would
// hold the key in hardware), the app's configuration, and a current phone's facts.
package org.frontline.tests

import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.frontline.core.CompanionConfig
import org.frontline.core.DeviceFacts
import org.frontline.core.KeyStore
import org.frontline.core.LockComplexity
import org.frontline.core.Platform
import org.frontline.core.PlatformException
import org.frontline.core.StaffRole
import org.frontline.core.StorageEncryption

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

/** The app's configuration for a member of staff of the example organisation. */
fun testConfig(
    pseudonym: String,
    organisationUrl: String = "https://example-trust.example",
    collectorUrl: String? = null,
    enrolmentToken: String? = null,
    orgReportKey: String? = null,
) = CompanionConfig(
    organisationId = "example-trust",
    organisationUrl = organisationUrl,
    staffPseudonym = pseudonym,
    staffRole = StaffRole.ALL_STAFF,
    collectorUrl = collectorUrl,
    enrolmentToken = enrolmentToken,
    publisherKey = null,
    orgReportKey = orgReportKey,
    postureCheckRequestId = null,
    syncIntervalMinutes = 60u,
    syncWifiOnly = false,
)

/** A current, well-kept Android phone: every field known (as `FULL_FACTS` in core/examples/kernels.rs). */
fun currentPhoneFacts(collectedAtMs: Long = 1795867200000L) = DeviceFacts(
    platform = Platform.ANDROID,
    osVersion = "16",
    osBuild = "BP3A.251105.015",
    securityPatch = "2026-11-05",
    secureLockScreen = true,
    lockComplexity = LockComplexity.HIGH,
    biometricsAvailable = true,
    biometricsEnrolled = true,
    storageEncryption = StorageEncryption.ACTIVE_PER_USER,
    developerOptions = false,
    usbDebugging = false,
    unknownSources = false,
    rootSignals = emptyList(),
    managedByMdm = true,
    appVersion = "0.1.0",
    collectedAtMs = collectedAtMs,
)
