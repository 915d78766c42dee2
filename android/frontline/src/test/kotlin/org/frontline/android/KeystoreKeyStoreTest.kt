// KeystoreKeyStore wraps the core's data key with AES-256-GCM under the Keystore key (a JCE key
// here), with a fresh IV each time, and maps every Keystore failure to the core's typed error:
// gone for good -> KeyInvalidated (the app may recover the store), may pass -> Failed (nothing
// changes, try later). Checked through the real core too.
package org.frontline.android

import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.UserNotAuthenticatedException
import java.security.KeyStoreException
import java.security.ProviderException
import java.security.UnrecoverableKeyException
import javax.crypto.AEADBadTagException
import org.frontline.FrontlineException
import org.frontline.core.PlatformException
import org.frontline.core.PostureTrigger
import org.frontline.recoverLocalStore
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

class KeystoreKeyStoreTest {
    private val keys = MemoryWrappingKeys()
    private val store = KeystoreKeyStore(keys)
    private val dataKey = ByteArray(32) { it.toByte() }

    @Test
    fun wrapsAndUnwrapsWithAFreshIvEachTime() {
        val first = store.wrapKey(dataKey)
        val second = store.wrapKey(dataKey)
        assertEquals(1, keys.created)
        assertEquals(KeystoreKeyStore.FORMAT_V1, first[0])
        assertEquals(1 + 12 + 32 + 16, first.size)
        assertFalse("fresh IV per wrap", first.copyOfRange(1, 13).contentEquals(second.copyOfRange(1, 13)))
        assertArrayEquals(dataKey, store.unwrapKey(first))
        assertArrayEquals(dataKey, store.unwrapKey(second))
    }

    @Test
    fun aMissingKeyOnUnwrapIsPermanent() {
        val wrapped = store.wrapKey(dataKey)
        keys.key = null
        expectInvalidated { store.unwrapKey(wrapped) }
        assertEquals("unwrap never creates a key", 1, keys.created)
    }

    @Test
    fun aBlobFromAnotherKeyOrTamperedIsPermanent() {
        val wrapped = store.wrapKey(dataKey)
        keys.key = null
        keys.create()
        expectInvalidated { store.unwrapKey(wrapped) }
        val fresh = store.wrapKey(dataKey)
        fresh[fresh.size - 1] = (fresh[fresh.size - 1] + 1).toByte()
        expectInvalidated { store.unwrapKey(fresh) }
    }

    @Test
    fun aMalformedBlobIsPermanent() {
        store.wrapKey(dataKey)
        expectInvalidated { store.unwrapKey(ByteArray(10)) }
        val wrongVersion = store.wrapKey(dataKey).also { it[0] = 9 }
        expectInvalidated { store.unwrapKey(wrongVersion) }
    }

    @Test
    fun keystoreFailuresMapToTheCoresErrors() {
        val permanent = listOf(
            KeyPermanentlyInvalidatedException(),
            UnrecoverableKeyException("entry damaged"),
        )
        for (e in permanent) {
            assertTrue(e.javaClass.simpleName, KeystoreKeyStore.keystoreFailure(e, unwrapping = false) is PlatformException.KeyInvalidated)
        }
        assertTrue(KeystoreKeyStore.keystoreFailure(AEADBadTagException(), unwrapping = true) is PlatformException.KeyInvalidated)
        val transient = listOf(
            KeyStoreException("keystore daemon busy"),
            ProviderException("StrongBox busy"),
            UserNotAuthenticatedException(),
            IllegalStateException("locked"),
            AEADBadTagException(), // while wrapping it cannot mean "wrong key"
        )
        for (e in transient) {
            assertTrue(e.javaClass.simpleName, KeystoreKeyStore.keystoreFailure(e, unwrapping = false) is PlatformException.Failed)
        }
    }

    @Test
    fun failureReasonsNameNoAlias() {
        val reason = (KeystoreKeyStore.keystoreFailure(KeyStoreException(AndroidKeystoreKeys.DEFAULT_ALIAS), false) as PlatformException.Failed).reason
        assertFalse(reason.contains(AndroidKeystoreKeys.DEFAULT_ALIAS))
    }

    @Test
    fun aKeystoreThatFailsNowLeavesTheStoreToOpenLater() {
        val dir = tempDir("frontline-keystore")
        try {
            openCompanion(dir, keys).use { it.checkPosture(FakeReadings().let { r -> AndroidPostureProbe(r).collect() }, PostureTrigger.User) }
            val busy = object : WrappingKeys {
                override fun existing() = throw KeyStoreException("keystore daemon busy")
                override fun create() = throw KeyStoreException("keystore daemon busy")
            }
            try {
                openCompanion(dir, busy).close()
                fail("opened without the key")
            } catch (e: FrontlineException.KeyStoreUnavailable) {
                // expected: may pass, nothing was changed
            }
            openCompanion(dir, keys).use { assertTrue(it.latestPostureReport() != null) }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun aLostKeyIsKeyMismatchAndRecoveryKeepsUnsentReports() {
        val dir = tempDir("frontline-keystore")
        try {
            val config = appConfig(orgReportKey = ORG_REPORT_KEY) // reports sealed to the organisation
            openCompanion(dir, keys, config).use { it.checkPosture(AndroidPostureProbe(FakeReadings()).collect(), PostureTrigger.User) }
            keys.key = null // e.g. the Keystore entry was wiped
            try {
                openCompanion(dir, keys, config).close()
                fail("opened with a lost key")
            } catch (e: FrontlineException.KeyMismatch) {
                // expected: the app offers recovery
            }
            val recovered = recoverLocalStore(dir.path, config, KeystoreKeyStore(keys))
            recovered.companion.use { companion ->
                assertTrue(recovered.recovery.quarantined)
                assertEquals(1u, recovered.recovery.envelopesKept)
                assertEquals(1uL, companion.outboxStatus().pending)
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun expectInvalidated(block: () -> Unit) {
        try {
            block()
            fail("expected KeyInvalidated")
        } catch (e: PlatformException.KeyInvalidated) {
            // expected
        }
    }
}
