// Managed configuration on the real core: the MDM's Bundle values become the core's text, a
// valid map is applied once, a bad value keeps the old configuration and is reported to the EMM
// naming the key only, and a new posture_check_request_id runs exactly one check, on fresh facts.
package org.frontline.android

import org.frontline.core.FeedbackSeverity
import org.frontline.core.KeyedAppState
import org.frontline.core.PostureTrigger
import org.frontline.core.StaffRole
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class ManagedConfigurationTest {
    private val dir = tempDir("frontline-managed")
    private val companion = openCompanion(dir)
    private val readings = FakeReadings()
    private var map: Map<String, Any?> = emptyMap()
    private var factsCollected = 0
    private val published = mutableListOf<Pair<List<KeyedAppState>, Boolean>>()
    private var now = 1_000_000L
    private val managed = ManagedConfiguration(
        companion,
        source = { map },
        facts = { factsCollected++; AndroidPostureProbe(readings).collect() },
        feedback = { states, immediate -> published += states to immediate },
        nowMs = { now },
    )

    @After
    fun close() {
        companion.close()
        dir.deleteRecursively()
    }

    @Test
    fun bundleValuesBecomeTheCoresText() {
        val text = ManagedConfiguration.asText(
            mapOf(
                "staff_role" to "specialist",
                "sync_wifi_only" to true,
                "sync_interval_minutes" to 30,
                "big" to 5_000_000_000L,
                "unset" to null,
                "nested" to arrayOf("a"),
            ),
        )
        assertEquals(
            mapOf("staff_role" to "specialist", "sync_wifi_only" to "true", "sync_interval_minutes" to "30", "big" to "5000000000"),
            text,
        )
    }

    @Test
    fun aValidMapIsAppliedOnceAndReported() {
        map = mapOf("staff_role" to "specialist", "sync_interval_minutes" to 30, "sync_wifi_only" to true, "colour" to "blue")
        val applied = managed.refresh()
        assertTrue(applied is ConfigRefresh.Applied)
        assertEquals(listOf("colour"), (applied as ConfigRefresh.Applied).ignoredKeys)
        val config = companion.config()
        assertEquals(StaffRole.SPECIALIST, config.staffRole)
        assertEquals(30u, config.syncIntervalMinutes)
        assertTrue(config.syncWifiOnly)
        assertEquals(FeedbackSeverity.INFO, published.single().first.single().severity)
        assertEquals(ConfigRefresh.Unchanged, managed.refresh())
        assertEquals("the same map is not applied again", 1, published.size)
    }

    @Test
    fun aBadValueKeepsTheOldConfigAndIsReportedByKeyOnly() {
        map = mapOf("sync_interval_minutes" to 30)
        managed.refresh()
        map = mapOf("sync_interval_minutes" to 5, "collector_url" to "http://collector.example-trust.example")
        val refused = managed.refresh()
        assertTrue(refused is ConfigRefresh.Refused)
        assertEquals(setOf("sync_interval_minutes", "collector_url"), (refused as ConfigRefresh.Refused).problems.map { it.key }.toSet())
        assertEquals("the configuration in force stays", 30u, companion.config().syncIntervalMinutes)
        assertNull(companion.config().collectorUrl)
        val state = published.last().first.single()
        assertEquals(ConfigFeedback.KEY, state.key)
        assertEquals(FeedbackSeverity.ERROR, state.severity)
        assertTrue(state.message.contains("collector_url") && state.message.contains("sync_interval_minutes"))
        assertFalse("values never reported", state.message.contains("collector.example-trust"))
        assertEquals("reported once, not on every resume", ConfigRefresh.Unchanged, managed.refresh())
        map = mapOf("sync_interval_minutes" to 45)
        assertTrue(managed.refresh() is ConfigRefresh.Applied)
        assertEquals(FeedbackSeverity.INFO, published.last().first.first { it.key == ConfigFeedback.KEY }.severity)
    }

    @Test
    fun aNewRequestIdRunsExactlyOneCheckOnFreshFacts() {
        companion.checkPosture(AndroidPostureProbe(readings).collect(), PostureTrigger.AppStart)
        readings.values["adb_enabled"] = 1 // the phone changed since the last facts
        map = mapOf("posture_check_request_id" to "mdm-2026-12-03-1")
        val first = managed.refresh() as ConfigRefresh.Applied
        assertNotNull(first.report)
        val report = first.report!!
        assertEquals(PostureTrigger.Mdm("mdm-2026-12-03-1"), report.trigger)
        assertEquals("the check saw the phone as it is now", true, report.facts.usbDebugging)
        assertEquals(1, factsCollected)
        assertTrue("posture states published immediately", published.last().second)
        assertTrue(published.last().first.any { it.key == "posture.verdict" })

        // Re-read on resume, in the job, on the broadcast: the same id runs nothing more.
        val reportsBefore = companion.outboxStatus().pending
        map = mapOf("posture_check_request_id" to "mdm-2026-12-03-1", "sync_interval_minutes" to 30)
        val again = managed.refresh() as ConfigRefresh.Applied
        assertNull(again.report)
        assertEquals(reportsBefore, companion.outboxStatus().pending)
        assertEquals(1, factsCollected)

        now += 10_000 // a second MDM request within the minute: sent, but not immediately
        map = mapOf("posture_check_request_id" to "mdm-2026-12-03-2")
        val second = managed.refresh() as ConfigRefresh.Applied
        assertEquals(PostureTrigger.Mdm("mdm-2026-12-03-2"), second.report?.trigger)
        assertFalse(published.last().second)
    }

    @Test
    fun anUnreadableMapChangesNothing() {
        val broken = ManagedConfiguration(companion, { throw IllegalStateException("no RestrictionsManager") }, { AndroidPostureProbe(readings).collect() }, { _, _ -> })
        assertEquals(ConfigRefresh.Unreadable, broken.refresh())
    }
}
