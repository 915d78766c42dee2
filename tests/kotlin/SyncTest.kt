// The sans-IO sync engine driven from Kotlin, as the Android app's WorkManager job drives it:
// the core hands out each HTTP request, the JDK's HttpClient sends it to a real collector
// (`frontline collector serve` on loopback, in a child process), and the answer goes back to the
// core. Enrolment comes first, then the queued reports; afterwards the collector's own report
// shows each one stored once.
package org.frontline.tests

import java.io.File
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest as JdkRequest
import java.net.http.HttpResponse as JdkResponse
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.TimeUnit
import org.frontline.FrontlineCompanion
import org.frontline.core.HttpHeader
import org.frontline.core.HttpRequest
import org.frontline.core.HttpResponse
import org.frontline.core.PostureTrigger
import org.frontline.core.TransportFailure
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

class SyncTest {
    private lateinit var dir: File
    private var collector: Process? = null

    /** The `frontline` binary, passed in by scripts/test.sh. */
    private val frontline: String =
        System.getProperty("frontline.bin") ?: error("run with -Dfrontline.bin=<path to the frontline binary>")

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("frontline-kt-sync").toFile()
    }

    @After
    fun stopCollector() {
        collector?.destroy()
        collector?.waitFor(10, TimeUnit.SECONDS)
        dir.deleteRecursively()
    }

    private fun run(vararg args: String): String {
        val process = ProcessBuilder(frontline, *args).redirectErrorStream(true).start()
        val output = process.inputStream.bufferedReader().readText()
        assertTrue("frontline ${args.first()} finished", process.waitFor(60, TimeUnit.SECONDS))
        assertEquals("frontline ${args.toList()} exit code; output: $output", 0, process.exitValue())
        return output
    }

    /** Starts the collector on an ephemeral loopback port and returns its base URL. */
    private fun startCollector(): String {
        run("keys", "generate", "--out", File(dir, "keys").path)
        val process = ProcessBuilder(
            frontline, "collector", "serve",
            "--listen", "127.0.0.1:0",
            "--db", File(dir, "collector.db").path,
            "--org-key", File(dir, "keys/org-report.jwk").path,
            "--enrolment-token", TOKEN,
        ).redirectErrorStream(true).start()
        collector = process
        val line = process.inputStream.bufferedReader().readLine() ?: error("the collector printed nothing")
        return Regex("""listening on (http://\S+)""").find(line)?.groupValues?.get(1)
            ?: error("no URL in the collector's first line")
    }

    private fun config(collectorUrl: String) = testConfig(
        "stf-kt-sync",
        collectorUrl = collectorUrl,
        enrolmentToken = TOKEN,
        orgReportKey = File(dir, "keys/org-report.pub.jwk").readText(),
    )

    private val http: HttpClient = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        // HTTP/1.1: the default h2c upgrade attempt on plain http is not understood by every server.
        .version(HttpClient.Version.HTTP_1_1)
        .build()

    /** Sends one request the core built; returns null when no answer came (the core is told). */
    private fun send(request: HttpRequest): HttpResponse? {
        val builder = JdkRequest.newBuilder(URI.create(request.url)).timeout(Duration.ofSeconds(20))
        // The JDK client sets these itself and refuses them as user headers.
        val restricted = setOf("content-length", "host", "connection")
        request.headers.filter { it.name.lowercase() !in restricted }.forEach { builder.header(it.name, it.value) }
        builder.method(request.method, JdkRequest.BodyPublishers.ofByteArray(request.body))
        return try {
            val reply = http.send(builder.build(), JdkResponse.BodyHandlers.ofByteArray())
            val headers = reply.headers().map().flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
            HttpResponse(reply.statusCode().toUShort(), headers, reply.body())
        } catch (e: ConnectException) {
            null
        }
    }

    @Test
    fun queuedReportsReachTheCollectorOnceThroughTheJdkHttpClient() {
        val url = startCollector()
        FrontlineCompanion(dir.path, config(url), AesGcmKeyStore()).use { companion ->
            companion.lessonViewed("phishing")
            companion.checkPosture(currentPhoneFacts(System.currentTimeMillis()), PostureTrigger.User)
            val queued = companion.outboxStatus().pending
            assertTrue("reports queued before sync: $queued", queued >= 2u)

            var requests = 0
            var delivered = 0u
            while (requests < 20) {
                val request = companion.nextSyncRequest() ?: break
                requests++
                val response = send(request)
                // The enrolment request comes first; its answer goes back the same way.
                val outcome = if (response == null) {
                    companion.handleSyncFailure(request.id, TransportFailure.OTHER)
                } else {
                    companion.handleSyncResponse(request.id, response)
                }
                delivered += outcome.delivered
            }

            val status = companion.outboxStatus()
            assertEquals("nothing left to send", 0uL, status.pending)
            assertEquals(0uL, status.dead)
            assertEquals(queued, delivered.toULong())
            assertNotNull(status.lastSuccessAt)
            assertTrue(companion.nextSyncRequest() == null)
        }

        val report = run("collector", "report", "--db", File(dir, "collector.db").path, "--json")
        assertTrue("one device enrolled: $report", Regex(""""devices"\s*:\s*1\b""").containsMatchIn(report))
        assertTrue("the posture report stored once", Regex(""""posture_report"\s*:\s*1\b""").containsMatchIn(report))
        assertTrue("the statement stored once", Regex(""""training_statement"\s*:\s*1\b""").containsMatchIn(report))
    }

    companion object {
        const val TOKEN = "kt-sync-token"
    }
}
