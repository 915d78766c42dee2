// Why this file exists: the core builds each HTTP request and reads each answer, but it never
// opens a socket; the platform sends. This is the sender on HttpURLConnection (in the framework,
// so the library adds no HTTP dependency): TLS only (the collector URL must be https; the app's
// network security config also forbids cleartext), connect and read time-outs, no redirects, no
// caches, a bounded answer, and each way a request can fail mapped to the core's
// TransportFailure so the core's back-off applies.
package org.frontline.android

import java.io.EOFException
import java.io.IOException
import java.io.InputStream
import java.io.InterruptedIOException
import java.net.ConnectException
import java.net.HttpURLConnection
import java.net.InetAddress
import java.net.MalformedURLException
import java.net.NoRouteToHostException
import java.net.SocketException
import java.net.SocketTimeoutException
import java.net.URL
import java.net.UnknownHostException
import javax.net.ssl.SSLException
import org.frontline.core.HttpHeader
import org.frontline.core.HttpRequest
import org.frontline.core.HttpResponse
import org.frontline.core.TransportFailure

/** Sends one request the core built. */
fun interface Transport {
    /** The answer, whatever its status; throws [TransportException] when none came. */
    fun send(request: HttpRequest): HttpResponse
}

/** No answer came: the core is told which kind of failure (`handleSyncFailure`). */
class TransportException(val failure: TransportFailure, message: String, cause: Throwable? = null) :
    IOException(message, cause)

/**
 * [Transport] on `HttpURLConnection`. `allowLoopbackCleartext` exists for tests against a
 * collector on 127.0.0.1; an app never sets it.
 */
class HttpUrlConnectionTransport(
    private val connectTimeoutMs: Int = 15_000,
    private val readTimeoutMs: Int = 30_000,
    private val maxResponseBytes: Int = MAX_RESPONSE_BYTES,
    private val allowLoopbackCleartext: Boolean = false,
) : Transport {

    override fun send(request: HttpRequest): HttpResponse {
        val url = try {
            URL(request.url)
        } catch (e: MalformedURLException) {
            throw TransportException(TransportFailure.OTHER, "not a URL", e)
        }
        if (url.protocol != "https" && !(allowLoopbackCleartext && url.protocol == "http" && isLoopback(url.host))) {
            throw TransportException(TransportFailure.OTHER, "cleartext HTTP refused: the collector must use https")
        }
        var connection: HttpURLConnection? = null
        try {
            connection = url.openConnection() as HttpURLConnection
            connection.connectTimeout = connectTimeoutMs
            connection.readTimeout = readTimeoutMs
            connection.instanceFollowRedirects = false
            connection.useCaches = false
            connection.requestMethod = request.method
            for (header in request.headers) {
                if (header.name.lowercase() !in MANAGED_HEADERS) connection.addRequestProperty(header.name, header.value)
            }
            if (request.body.isNotEmpty()) {
                connection.doOutput = true
                connection.setFixedLengthStreamingMode(request.body.size)
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            if (status < 0) throw TransportException(TransportFailure.RESET, "no valid HTTP status line")
            val headers = connection.headerFields
                .filterKeys { it != null }
                .flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
            val stream = if (status >= 400) connection.errorStream else connection.inputStream
            val body = stream?.use { readBounded(it) } ?: ByteArray(0)
            return HttpResponse(status.toUShort(), headers, body)
        } catch (e: TransportException) {
            throw e
        } catch (e: IOException) {
            throw TransportException(failureOf(e), "request failed (${e.javaClass.simpleName})", e)
        } finally {
            connection?.disconnect()
        }
    }

    private fun readBounded(input: InputStream): ByteArray {
        val out = java.io.ByteArrayOutputStream()
        val buffer = ByteArray(16 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) break
            if (out.size() + n > maxResponseBytes) {
                throw TransportException(TransportFailure.OTHER, "answer larger than $maxResponseBytes bytes")
            }
            out.write(buffer, 0, n)
        }
        return out.toByteArray()
    }

    companion object {
        /** Largest answer read (a content bundle fits well within it). */
        const val MAX_RESPONSE_BYTES = 16 * 1024 * 1024

        /** Headers HttpURLConnection sets itself. */
        private val MANAGED_HEADERS = setOf("content-length", "host", "connection", "transfer-encoding")

        /** The core's kind of failure for an I/O exception. */
        fun failureOf(e: IOException): TransportFailure = when (e) {
            is SocketTimeoutException -> TransportFailure.TIMEOUT
            is UnknownHostException -> TransportFailure.DNS
            is SSLException -> TransportFailure.OTHER
            is ConnectException, is NoRouteToHostException -> TransportFailure.OTHER
            is EOFException -> TransportFailure.RESET
            is SocketException -> TransportFailure.RESET
            is InterruptedIOException -> TransportFailure.TIMEOUT
            else -> TransportFailure.OTHER
        }

        private fun isLoopback(host: String): Boolean = host == "localhost" ||
            (host.firstOrNull()?.let { it.isDigit() || it == '[' } == true &&
                InetAddress.getByName(host.trim('[', ']')).isLoopbackAddress)
    }
}
