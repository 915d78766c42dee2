// The foundation through the generated Kotlin bindings, on the JVM against the host library:
// a KeyStore written in Kotlin (AES-GCM under a javax.crypto key, standing in for the Android
// Keystore), open / shutdown / reopen, the typed exceptions for a failing or different key
// store, a Rust panic arriving as an exception, and the log sink receiving nothing sensitive.
package org.frontline.tests

import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import java.util.Collections
import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.InternalException
import org.frontline.LogLevel
import org.frontline.LogRecord
import org.frontline.LogSink
import org.frontline.core.KeyStore
import org.frontline.core.PlatformException
import org.frontline.core.StaffRole
import org.frontline.debugPanic
import org.frontline.frontlineVersion
import org.frontline.setLogSink
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test

class FoundationTest {
    private lateinit var dir: File

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("frontline-kt").toFile()
    }

    @After
    fun removeDir() {
        dir.deleteRecursively()
    }

    private fun config(pseudonym: String = PSEUDONYM) = testConfig(pseudonym)

    private fun dbBytes(): ByteArray = File(dir, "frontline.db").readBytes()

    @Test
    fun openShutdownAndReopenUnwrapsTheStoredKey() {
        val keyStore = AesGcmKeyStore()
        val first = FrontlineCompanion(dir.path, config(), keyStore)
        assertEquals(1, keyStore.wraps.get())
        assertEquals(0, keyStore.unwraps.get())
        assertTrue(first.schemaVersion() >= 1u)
        assertEquals(PSEUDONYM, first.config().staffPseudonym)

        first.shutdown()
        try {
            first.schemaVersion()
            fail("a call after shutdown() must fail")
        } catch (e: FrontlineException.Closed) {
            // expected
        }
        first.shutdown() // a second shutdown is harmless
        first.close()

        FrontlineCompanion(dir.path, config(), keyStore).use { second ->
            assertEquals(1, keyStore.wraps.get())
            assertEquals(1, keyStore.unwraps.get())
            assertEquals(StaffRole.ALL_STAFF, second.config().staffRole)
        }
        assertFalse(frontlineVersion().isEmpty())
    }

    @Test
    fun lockedKeyStoreIsATypedExceptionAndNothingIsWritten() {
        try {
            FrontlineCompanion(dir.path, config(), FailingKeyStore())
            fail("a failing key store must refuse the open")
        } catch (e: FrontlineException.KeyStoreUnavailable) {
            // expected
        }
        // The data key was never stored, so a working key store starts afresh.
        val keyStore = AesGcmKeyStore()
        FrontlineCompanion(dir.path, config(), keyStore).use { it.schemaVersion() }
        assertEquals(1, keyStore.wraps.get())
    }

    @Test
    fun keyStoreFailingOnReopenLeavesTheDataAsItWas() {
        val keyStore = AesGcmKeyStore()
        FrontlineCompanion(dir.path, config(), keyStore).use { it.shutdown() }
        val before = dbBytes()
        try {
            FrontlineCompanion(dir.path, config(), FailingKeyStore())
            fail("a failing key store must refuse the reopen")
        } catch (e: FrontlineException.KeyStoreUnavailable) {
            // expected
        }
        assertTrue(before.contentEquals(dbBytes()))
        FrontlineCompanion(dir.path, config(), keyStore).use { assertTrue(it.schemaVersion() >= 1u) }
    }

    @Test
    fun differentKeyIsKeyMismatch() {
        val keyStore = AesGcmKeyStore()
        FrontlineCompanion(dir.path, config(), keyStore).use { it.shutdown() }
        val before = dbBytes()
        // Another platform key cannot open the wrapped blob (KeyInvalidated from the store)...
        try {
            FrontlineCompanion(dir.path, config(), AesGcmKeyStore())
            fail("another platform key must refuse the reopen")
        } catch (e: FrontlineException.KeyMismatch) {
            // expected
        }
        // ...and a store that hands back some other key is caught by the check value.
        try {
            FrontlineCompanion(dir.path, config(), WrongKeyStore())
            fail("a different data key must be refused")
        } catch (e: FrontlineException.KeyMismatch) {
            // expected
        }
        assertTrue(before.contentEquals(dbBytes()))
        FrontlineCompanion(dir.path, config(), keyStore).use { assertTrue(it.schemaVersion() >= 1u) }
    }

    @Test
    fun missingDataDirectoryIsTyped() {
        try {
            FrontlineCompanion(File(dir, "absent").path, config(), AesGcmKeyStore())
            fail("a missing directory must be refused")
        } catch (e: FrontlineException.DataDirectory) {
            assertEquals(org.frontline.core.DataDirProblem.MISSING, e.problem)
        }
    }

    @Test
    fun rustPanicArrivesAsAnExceptionAndTheCompanionKeepsWorking() {
        FrontlineCompanion(dir.path, config(), AesGcmKeyStore()).use { companion ->
            try {
                debugPanic("from the Kotlin test")
                fail("debugPanic must throw")
            } catch (e: InternalException) {
                assertTrue(e.message.orEmpty().contains("from the Kotlin test"))
            }
            assertTrue(companion.schemaVersion() >= 1u)
            assertEquals(PSEUDONYM, companion.config().staffPseudonym)
        }
    }

    @Test
    fun logSinkReceivesRecordsWithoutPseudonymOrPath() {
        val sink = CapturingSink()
        setLogSink(sink, LogLevel.TRACE)
        val keyStore = AesGcmKeyStore()
        FrontlineCompanion(dir.path, config(), keyStore).use { it.shutdown() }
        FrontlineCompanion(dir.path, config(), keyStore).use { it.shutdown() }
        val records = synchronized(sink.records) { sink.records.toList() }
        assertTrue("the sink received no records", records.isNotEmpty())
        assertTrue(records.any { it.target.startsWith("frontline") })
        for (record in records) {
            assertFalse(record.message, record.message.contains(PSEUDONYM))
            assertFalse(record.message, record.message.contains(dir.path))
            assertFalse(record.message, record.message.contains(dir.name))
        }
    }

    companion object {
        const val PSEUDONYM = "stf-kt-9f2c41d7"
    }

    // Helpers are nested: every tests/kotlin/*.kt file is compiled together, so top-level
    // names could clash with another file's.
    /** A key store that is locked: every call fails, as the Android Keystore does before unlock. */
    class FailingKeyStore : KeyStore {
        override fun wrapKey(key: ByteArray): ByteArray = throw PlatformException.Failed("keystore locked")

        override fun unwrapKey(wrapped: ByteArray): ByteArray = throw PlatformException.Failed("keystore locked")
    }

    /** A key store that hands back some other 32-byte key than the one it was given to wrap. */
    class WrongKeyStore : KeyStore {
        override fun wrapKey(key: ByteArray): ByteArray = ByteArray(32) { 7 }

        override fun unwrapKey(wrapped: ByteArray): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }
    }

    /** Collects log records (called from Rust, on whichever thread logged). */
    class CapturingSink : LogSink {
        val records: MutableList<LogRecord> = Collections.synchronizedList(mutableListOf())

        override fun log(record: LogRecord) {
            records.add(record)
        }
    }
}

