// Why this file exists: background sync on the framework's JobScheduler (no WorkManager, so the
// library adds no dependency). One persisted job with a network constraint (unmetered only when
// the MDM sets sync_wifi_only) runs the scheduled work (Frontline.runScheduledWork) and plans
// the next run from the core's back-off and Retry-After (SyncSchedule). Persisted jobs survive a
// reboot; the boot receiver puts one back if it was lost (app update, cleared data). A long sync
// shows a quiet progress notification.
package org.frontline.android

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.BroadcastReceiver
import android.content.ComponentName
import android.content.Context
import android.content.Intent

/** Schedules the sync job. */
object SyncJobs {
    /** The job's id (one job: scheduling again replaces it). */
    const val JOB_ID = 0x46524c01
    private const val PREFS = "org.frontline.sync"
    private const val PREF_UNMETERED = "unmetered_only"

    /** Schedules (or replaces) the job. Never call while the job runs: finish it first. */
    fun schedule(context: Context, plan: SyncJobPlan) {
        val scheduler = context.getSystemService(JobScheduler::class.java) ?: return
        val info = JobInfo.Builder(JOB_ID, ComponentName(context, FrontlineSyncJobService::class.java))
            .setRequiredNetworkType(if (plan.unmeteredOnly) JobInfo.NETWORK_TYPE_UNMETERED else JobInfo.NETWORK_TYPE_ANY)
            .setMinimumLatency(plan.delayMs)
            .setPersisted(true)
            .build()
        scheduler.schedule(info)
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit()
            .putBoolean(PREF_UNMETERED, plan.unmeteredOnly).apply()
    }

    /** Puts the job back after a boot or an update, unless it is still scheduled. */
    fun ensureScheduled(context: Context) {
        val scheduler = context.getSystemService(JobScheduler::class.java) ?: return
        if (scheduler.getPendingJob(JOB_ID) != null) return
        val unmetered = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).getBoolean(PREF_UNMETERED, false)
        schedule(context, SyncJobPlan(delayMs = 0, unmeteredOnly = unmetered))
    }
}

/** The sync job: runs [Frontline.runScheduledWork] on a worker thread. */
class FrontlineSyncJobService : JobService() {
    @Volatile
    private var cancelled = false

    override fun onStartJob(params: JobParameters): Boolean {
        cancelled = false
        Thread({
            val next = Frontline.runScheduledWork(applicationContext) { cancelled }
            // Finish first: scheduling the same job id while it runs would stop it.
            jobFinished(params, false)
            if (!cancelled) SyncJobs.schedule(applicationContext, next)
        }, "frontline-sync").start()
        return true
    }

    override fun onStopJob(params: JobParameters): Boolean {
        cancelled = true
        return true // constraints lost (network gone): run again when they hold
    }
}

/** Re-schedules the job after a reboot or an app update. */
class SyncBootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        when (intent.action) {
            Intent.ACTION_BOOT_COMPLETED, Intent.ACTION_MY_PACKAGE_REPLACED -> SyncJobs.ensureScheduled(context)
        }
    }
}

/** When a sync is long enough to show: a quiet notification after 10 s or 5 requests. */
object SyncNotice {
    const val AFTER_MS = 10_000L
    const val AFTER_REQUESTS = 5

    fun shouldShow(progress: SyncProgress): Boolean =
        progress.elapsedMs >= AFTER_MS || progress.requests >= AFTER_REQUESTS
}

/** The progress notification of a long sync (channel "Report sync", low importance). */
class SyncNotifier(context: Context) {
    private val context: Context = context.applicationContext
    private val manager = this.context.getSystemService(NotificationManager::class.java)

    /** Creates the channel (API 26 = minSdk; creating it again changes nothing). */
    fun createChannel() {
        val channel = NotificationChannel(
            CHANNEL_ID,
            context.getString(R.string.frontline_sync_channel_name),
            NotificationManager.IMPORTANCE_LOW,
        )
        channel.description = context.getString(R.string.frontline_sync_channel_description)
        manager?.createNotificationChannel(channel)
    }

    /** Shows or updates the notification once the sync is long (see [SyncNotice]). */
    fun update(progress: SyncProgress) {
        if (manager == null || !SyncNotice.shouldShow(progress) || !manager.areNotificationsEnabled()) return
        val notification = Notification.Builder(context, CHANNEL_ID)
            .setSmallIcon(android.R.drawable.stat_sys_upload)
            .setContentTitle(context.getString(R.string.frontline_sync_title))
            .setContentText(
                context.resources.getQuantityString(R.plurals.frontline_sync_progress, progress.delivered, progress.delivered),
            )
            .setProgress(0, 0, true)
            .setOngoing(true)
            .setOnlyAlertOnce(true)
            .build()
        manager.notify(NOTIFICATION_ID, notification)
    }

    /** Removes the notification when the run ends. */
    fun done() {
        manager?.cancel(NOTIFICATION_ID)
    }

    companion object {
        const val CHANNEL_ID = "org.frontline.sync"
        private const val NOTIFICATION_ID = 0x46524c02
    }
}
