// Why this file exists: Frontline opens once per process, from Application.onCreate, so the
// sync job (which can start the process without any screen) finds it open too. The sample's
// own configuration stands in for the organisation's app settings; the MDM's managed
// configuration overrides it.
package org.frontline.sample

import android.app.Application
import android.content.Context
import java.util.UUID
import org.frontline.android.Frontline
import org.frontline.android.Opening
import org.frontline.core.CompanionConfig
import org.frontline.core.StaffRole

class SampleApplication : Application() {
    private val waiting = mutableListOf<(Opening) -> Unit>()

    /** How opening ended; null while it runs. */
    var opening: Opening? = null
        private set

    override fun onCreate() {
        super.onCreate()
        Frontline.start(this, appConfig(this)) { result -> opened(result) }
    }

    /** Calls [listener] on the main thread once Frontline has opened (or failed to). */
    fun whenOpened(listener: (Opening) -> Unit) {
        val done = opening
        if (done != null) listener(done) else waiting += listener
    }

    /** After the user agreed to reset this phone's local data: opens on a fresh store. */
    fun recover() {
        opening = null
        Frontline.recover { result -> opened(result) }
    }

    private fun opened(result: Opening) {
        opening = result
        val listeners = waiting.toList()
        waiting.clear()
        listeners.forEach { it(result) }
    }

    companion object {
        private const val PREFS = "org.frontline.sample"

        /**
         * The app's own settings. A real organisation's app ships its organisation id and URL;
         * the MDM supplies the collector, keys, role and the staff pseudonym.
         */
        fun appConfig(context: Context) = CompanionConfig(
            organisationId = "example-trust",
            organisationUrl = "https://example-trust.example",
            staffPseudonym = pseudonym(context),
            staffRole = StaffRole.ALL_STAFF,
            collectorUrl = null,
            enrolmentToken = null,
            publisherKey = null,
            orgReportKey = null,
            postureCheckRequestId = null,
            syncIntervalMinutes = 60u,
            syncWifiOnly = false,
        )

        /** A random pseudonym for this install until the MDM sets one (never an email). */
        private fun pseudonym(context: Context): String {
            val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
            prefs.getString("pseudonym", null)?.let { return it }
            val fresh = "sample-" + UUID.randomUUID().toString().take(8)
            prefs.edit().putString("pseudonym", fresh).apply()
            return fresh
        }
    }
}
