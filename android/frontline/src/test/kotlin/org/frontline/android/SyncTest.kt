// The sync job's work without JobScheduler: SyncRun sends the core's requests with
// HttpURLConnection to a real collector (`frontline collector serve` on loopback) and to a small
// loopback server that answers 503 + Retry-After, 500, 401 or nothing; SyncSchedule turns the
// core's back-off and Retry-After into the next job's delay.
package org.frontline.android

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.io.IOException
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.SocketException
import java.net.SocketTimeoutException
import java.net.UnknownHostException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import javax.net.ssl.SSLHandshakeException
import org.frontline.FrontlineCompanion
import org.frontline.core.HttpRequest
import org.frontline.core.OutboxStatus
import org.frontline.core.PostureTrigger
import org.frontline.core.TransportFailure
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

class SyncTest {
    private val dir = tempDir("frontline-android-sync")
    private var collector: Process? = null
    private var server: HttpServer? = null
    private val transport = HttpUrlConnectionTransport(connectTimeoutMs = 5_000, readTimeoutMs = 5_000, allowLoopbackCleartext = true)
    private val frontline: String =
        System.getProperty("frontline.bin") ?: error("run with -Dfrontline.bin=<path to the frontline binary>")

    @After
    fun stop() {
        collector?.destroy()
        collector?.waitFor(10, TimeUnit.SECONDS)
        server?.stop(0)
        dir.deleteRecursively()
    }

    private fun cli(vararg args: String) {
        val process = ProcessBuilder(frontline, *args).redirectErrorStream(true).start()
        val output = process.inputStream.bufferedReader().readText()
        assertTrue("frontline ${args.first()} finished", process.waitFor(60, TimeUnit.SECONDS))
        assertEquals("frontline ${args.toList()}: $output", 0, process.exitValue())
    }

    private fun startCollector(): String {
        cli("keys", "generate", "--out", File(dir, "keys").path)
        val process = ProcessBuilder(
            frontline, "collector", "serve", "--listen", "127.0.0.1:0",
            "--db", File(dir, "collector.db").path,
            "--org-key", File(dir, "keys/org-report.jwk").path,
            "--enrolment-token", TOKEN,
        ).redirectErrorStream(true).start()
        collector = process
        val line = process.inputStream.bufferedReader().readLine() ?: error("the collector printed nothing")
        return Regex("""listening on (http://\S+)""").find(line)?.groupValues?.get(1) ?: error("no URL in: $line")
    }

    /** A loopback server answering every request with [status] and [headers]. */
    private fun answering(status: Int, headers: Map<String, String> = emptyMap()): Pair<String, AtomicInteger> {
        val hits = AtomicInteger()
        val http = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        http.createContext("/") { exchange ->
            hits.incrementAndGet()
            exchange.requestBody.readBytes()
            headers.forEach { (k, v) -> exchange.responseHeaders.add(k, v) }
            exchange.sendResponseHeaders(status, -1)
            exchange.close()
        }
        http.start()
        server = http
        return "http://127.0.0.1:${http.address.port}" to hits
    }

    private fun companionFor(url: String, orgKey: String = ORG_REPORT_KEY): FrontlineCompanion {
        val companion = openCompanion(File(dir, "device").apply { mkdirs() }, config = appConfig(url, TOKEN, orgKey))
        companion.checkPosture(AndroidPostureProbe(FakeReadings()).collect(), PostureTrigger.User)
        companion.lessonViewed("phishing")
        return companion
    }

    @Test
    fun queuedReportsReachTheCollectorThroughHttpUrlConnection() {
        val url = startCollector()
        companionFor(url, File(dir, "keys/org-report.pub.jwk").readText()).use { companion ->
            val queued = companion.outboxStatus().pending
            assertTrue("reports queued: $queued", queued >= 2uL)
            val progress = mutableListOf<SyncProgress>()
            val result = SyncRun(companion, transport).run(progress = { progress += it })
            assertEquals(queued.toInt(), result.delivered)
            assertFalse(result.reenrolmentNeeded)
            assertFalse(result.stoppedEarly)
            assertTrue(progress.isNotEmpty())
            val status = companion.outboxStatus()
            assertEquals(0uL, status.pending)
            assertTrue(status.enrolled)
            val plan = SyncSchedule.next(status, companion.config(), System.currentTimeMillis())
            assertEquals("nothing waits: next run at the sync interval", 60 * 60_000L, plan.delayMs)
            assertFalse(plan.unmeteredOnly)
        }
    }

    @Test
    fun retryAfterFromTheCollectorDelaysTheNextJob() {
        val (url, hits) = answering(503, mapOf("Retry-After" to "120"))
        companionFor(url).use { companion ->
            val before = System.currentTimeMillis()
            val result = SyncRun(companion, transport).run()
            assertEquals("one request, then the core asks to wait", 1, hits.get())
            val retryAt = result.retryAtMs ?: error("no retry time")
            assertTrue(retryAt in before + 119_000..System.currentTimeMillis() + 121_000)
            val plan = SyncSchedule.next(companion.outboxStatus(), companion.config(), System.currentTimeMillis())
            assertTrue("delay ${plan.delayMs}", plan.delayMs in 100_000..120_000)
            assertEquals("nothing is due before then", null, companion.nextSyncRequest())
        }
    }

    @Test
    fun aServerErrorBacksOffExponentially() {
        val (url, _) = answering(500)
        companionFor(url).use { companion ->
            SyncRun(companion, transport).run()
            val plan = SyncSchedule.next(companion.outboxStatus(), companion.config(), System.currentTimeMillis())
            assertTrue("first back-off is 30 s minus jitter: ${plan.delayMs}", plan.delayMs in 1..30_000)
            assertTrue(companion.outboxStatus().pending >= 2uL)
        }
    }

    @Test
    fun aRefusedDeviceStopsAndWaitsForTheInterval() {
        val (url, _) = answering(401)
        companionFor(url).use { companion ->
            val result = SyncRun(companion, transport).run()
            assertTrue(result.reenrolmentNeeded)
            val status = companion.outboxStatus()
            assertTrue(status.reenrolmentNeeded)
            assertEquals(60 * 60_000L, SyncSchedule.next(status, companion.config(), System.currentTimeMillis()).delayMs)
        }
    }

    @Test
    fun aSilentServerIsATimeoutAndTheCoreBacksOff() {
        ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { silent ->
            val accepted = Thread { runCatching { silent.accept().use { Thread.sleep(3_000) } } }.apply { start() }
            val slow = HttpUrlConnectionTransport(connectTimeoutMs = 2_000, readTimeoutMs = 500, allowLoopbackCleartext = true)
            val url = "http://127.0.0.1:${silent.localPort}"
            try {
                slow.send(HttpRequest("r1", "GET", "$url/v1/bundles/policy", emptyList(), ByteArray(0)))
                fail("answered")
            } catch (e: TransportException) {
                assertEquals(TransportFailure.TIMEOUT, e.failure)
            }
            accepted.join()
        }
    }

    @Test
    fun cleartextIsRefusedBeforeAnyConnection() {
        val strict = HttpUrlConnectionTransport()
        for (url in listOf("http://collector.example-trust.example/v1/envelopes", "http://127.0.0.1:9/v1/envelopes", "ftp://127.0.0.1/x")) {
            try {
                strict.send(HttpRequest("r1", "POST", url, emptyList(), "{}".toByteArray()))
                fail("sent over cleartext: $url")
            } catch (e: TransportException) {
                assertEquals(TransportFailure.OTHER, e.failure)
                assertTrue(e.message!!.contains("cleartext") || e.message!!.contains("https"))
            }
        }
    }

    @Test
    fun ioFailuresMapToTheCoresKinds() {
        val cases = mapOf<IOException, TransportFailure>(
            SocketTimeoutException() to TransportFailure.TIMEOUT,
            UnknownHostException() to TransportFailure.DNS,
            SocketException("Connection reset") to TransportFailure.RESET,
            java.io.EOFException() to TransportFailure.RESET,
            java.net.ConnectException("refused") to TransportFailure.OTHER,
            SSLHandshakeException("bad certificate") to TransportFailure.OTHER,
            IOException("other") to TransportFailure.OTHER,
        )
        for ((e, kind) in cases) assertEquals(e.javaClass.simpleName, kind, HttpUrlConnectionTransport.failureOf(e))
    }

    @Test
    fun theScheduleFollowsTheCoresStateAndTheWifiSetting() {
        val now = 1_000_000_000L
        fun status(pending: ULong = 0uL, next: Long? = null, reenrol: Boolean = false) =
            OutboxStatus(pending, 0uL, 0uL, 0uL, 0uL, null, null, next, reenrol, true, 0uL, false)
        val config = appConfig().copy(syncIntervalMinutes = 15u, syncWifiOnly = true)
        assertEquals(SyncJobPlan(15 * 60_000L, true), SyncSchedule.next(status(), config, now))
        assertEquals(SyncJobPlan(SyncSchedule.SOON_MS, true), SyncSchedule.next(status(pending = 3uL), config, now))
        assertEquals(SyncJobPlan(45_000L, true), SyncSchedule.next(status(pending = 3uL, next = now + 45_000), config, now))
        assertEquals("a past back-off is over", SyncJobPlan(SyncSchedule.SOON_MS, true), SyncSchedule.next(status(3uL, now - 5), config, now))
        assertEquals(SyncJobPlan(15 * 60_000L, true), SyncSchedule.next(status(3uL, now + 45_000, reenrol = true), config, now))
        assertEquals("capped at a day", 24L * 60 * 60 * 1000, SyncSchedule.next(status(1uL, now + 10L * 24 * 60 * 60 * 1000), config, now).delayMs)
    }

    @Test
    fun aCancelledJobStopsBetweenRequests() {
        val (url, hits) = answering(500)
        companionFor(url).use { companion ->
            val result = SyncRun(companion, transport).run(cancelled = { true })
            assertTrue(result.stoppedEarly)
            assertEquals(0, hits.get())
            assertNull(result.retryAtMs)
        }
    }

    companion object {
        const val TOKEN = "android-sync-token"
    }
}
