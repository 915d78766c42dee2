// The small decisions around the adapters: core log levels to Logcat priorities (and real core
// log records reaching the sink), the once-a-minute limit on immediate EMM uploads, when a sync
// is long enough for a notification, and keyed-app-state limits on config feedback.
package org.frontline.android

import android.util.Log
import org.frontline.LogLevel
import org.frontline.LogRecord
import org.frontline.core.FeedbackSeverity
import org.frontline.setLogSink
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class LoggingAndFeedbackTest {
    @Test
    fun coreLevelsMapToLogcatPriorities() {
        assertEquals(Log.ERROR, LogcatLogSink.priority(LogLevel.ERROR))
        assertEquals(Log.WARN, LogcatLogSink.priority(LogLevel.WARN))
        assertEquals(Log.INFO, LogcatLogSink.priority(LogLevel.INFO))
        assertEquals(Log.DEBUG, LogcatLogSink.priority(LogLevel.DEBUG))
        assertEquals(Log.VERBOSE, LogcatLogSink.priority(LogLevel.TRACE))
    }

    @Test
    fun theCoresRecordsReachLogcatUnderOneTag() {
        val lines = java.util.Collections.synchronizedList(mutableListOf<Triple<Int, String, String>>())
        val sink = LogcatLogSink(out = { priority, tag, message -> lines += Triple(priority, tag, message) })
        sink.log(LogRecord(LogLevel.WARN, "frontline_core::sync", "back-off 30 s"))
        assertEquals(Triple(Log.WARN, "Frontline", "frontline_core::sync: back-off 30 s"), lines.single())
        lines.clear()
        setLogSink(sink, LogLevel.INFO)
        val dir = tempDir("frontline-log")
        try {
            openCompanion(dir).use { it.shutdown() }
        } finally {
            dir.deleteRecursively()
        }
        assertTrue("the core logged through the sink: $lines", lines.any { it.second == "Frontline" && it.third.startsWith("frontline") })
        assertTrue(lines.all { it.first >= Log.INFO })
    }

    @Test
    fun immediateUploadsAtMostOnceAMinute() {
        val throttle = FeedbackThrottle()
        assertTrue(throttle.takeImmediate(1_000_000))
        assertFalse(throttle.takeImmediate(1_030_000))
        assertFalse("a clock set back a little gives no extra upload", throttle.takeImmediate(990_000))
        assertTrue(throttle.takeImmediate(1_060_000))
    }

    @Test
    fun aSyncIsShownWhenItIsLong() {
        assertFalse(SyncNotice.shouldShow(SyncProgress(requests = 2, delivered = 2, elapsedMs = 1_500)))
        assertTrue(SyncNotice.shouldShow(SyncProgress(requests = 5, delivered = 9, elapsedMs = 1_500)))
        assertTrue(SyncNotice.shouldShow(SyncProgress(requests = 1, delivered = 0, elapsedMs = 12_000)))
    }

    @Test
    fun configFeedbackFitsTheEmmLimits() {
        val many = (1..200).map { "unknown_key_number_$it" }
        val refused = ConfigFeedback.refused(many)
        assertEquals(FeedbackSeverity.ERROR, refused.severity)
        assertTrue(refused.key.length <= 100)
        assertTrue(refused.message.length <= 1000)
        assertTrue(ConfigFeedback.applied(many).message.length <= 1000)
        assertEquals("Managed configuration applied", ConfigFeedback.applied(emptyList()).message)
    }
}
