// Why this file exists: the device side of managed configuration. RestrictionsManager gives the
// MDM's map as a Bundle; ACTION_APPLICATION_RESTRICTIONS_CHANGED reaches only receivers
// registered at run time (never one in the manifest), so Frontline registers this receiver
// while the process lives and also re-reads on resume and in the scheduled job.
package org.frontline.android

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.content.RestrictionsManager

/** [RestrictionsSource] on `RestrictionsManager.getApplicationRestrictions()`. */
class AndroidRestrictionsSource(context: Context) : RestrictionsSource {
    private val context: Context = context.applicationContext

    override fun read(): Map<String, Any?> {
        val manager = context.getSystemService(RestrictionsManager::class.java)
            ?: throw IllegalStateException("no RestrictionsManager")
        val bundle = manager.applicationRestrictions ?: return emptyMap()
        @Suppress("DEPRECATION") // Bundle.get(String): the typed getters need the type first.
        return bundle.keySet().associateWith { bundle.get(it) }
    }
}

/** Calls [onChange] (on the main thread) when the MDM changes the managed configuration. */
class RestrictionsChangedReceiver(private val onChange: () -> Unit) : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action == Intent.ACTION_APPLICATION_RESTRICTIONS_CHANGED) onChange()
    }

    /** Registers this receiver on the application context for as long as the process lives. */
    fun register(context: Context) {
        // A protected system broadcast: no export flag is needed on any API level.
        context.applicationContext.registerReceiver(this, IntentFilter(Intent.ACTION_APPLICATION_RESTRICTIONS_CHANGED))
    }
}
