// Why this file exists: the core logs events, counts and states (never secrets, report contents
// or identifiers) through the LogSink capability; on Android they belong in Logcat under one tag.
package org.frontline.android

import android.util.Log
import org.frontline.LogLevel
import org.frontline.LogRecord
import org.frontline.LogSink

/** Writes one line to the platform log; [LogcatLogSink.LOGCAT] on a device. */
fun interface LogLine {
    fun write(priority: Int, tag: String, message: String)
}

/** The core's [LogSink] on `android.util.Log`. */
class LogcatLogSink(
    private val tag: String = TAG,
    private val out: LogLine = LOGCAT,
) : LogSink {
    override fun log(record: LogRecord) {
        out.write(priority(record.level), tag, "${record.target}: ${record.message}")
    }

    companion object {
        /** The Logcat tag (at most 23 characters, for API 25 and older). */
        const val TAG = "Frontline"

        /** `android.util.Log.println`. */
        val LOGCAT = LogLine { priority, tag, message -> Log.println(priority, tag, message) }

        /** The Logcat priority of a core log level. */
        fun priority(level: LogLevel): Int = when (level) {
            LogLevel.ERROR -> Log.ERROR
            LogLevel.WARN -> Log.WARN
            LogLevel.INFO -> Log.INFO
            LogLevel.DEBUG -> Log.DEBUG
            LogLevel.TRACE -> Log.VERBOSE
        }
    }
}
