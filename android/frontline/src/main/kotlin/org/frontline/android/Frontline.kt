// Why this file exists: the app's one entry point. Opening the core reads SQLite and asks the
// Keystore to unwrap the data key, which must never happen on the main thread, so everything
// here runs on one background thread and answers on the main thread. It wires the platform
// parts together once per process: Logcat logging, the Keystore key store, managed
// configuration (start, resume, the change broadcast, the job), the app-start posture check,
// MDM feedback and the sync job. Screens call the returned FrontlineCompanion through [run].
package org.frontline.android

import android.app.Activity
import android.app.Application
import android.content.Context
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import java.io.File
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.Future
import java.util.concurrent.TimeUnit
import org.frontline.FrontlineCompanion
import org.frontline.FrontlineException
import org.frontline.LogLevel
import org.frontline.core.CompanionConfig
import org.frontline.core.PostureReport
import org.frontline.core.PostureTrigger
import org.frontline.core.StoreRecovery
import org.frontline.recoverLocalStore
import org.frontline.setLogSink

/** How opening the core ended. */
sealed class Opening {
    /** Open: use [companion] (through [Frontline.run]). */
    class Ready(val companion: FrontlineCompanion, val recovery: StoreRecovery? = null) : Opening()

    /**
     * The local store cannot be read (the Keystore key is gone, the file is damaged). Tell the
     * user that training progress on this phone will be reset and unsent reports kept, then call
     * [Frontline.recover].
     */
    class NeedsRecovery(val error: FrontlineException) : Opening()

    /** Cannot open now (Keystore unavailable, a newer database, storage full): [error] says. */
    class Failed(val error: FrontlineException) : Opening()
}

/** Frontline in this app process. Call [start] from `Application.onCreate`. */
object Frontline {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor { Thread(it, "frontline") }
    private val main = Handler(Looper.getMainLooper())

    @Volatile
    private var app: Application? = null

    @Volatile
    private var appConfig: CompanionConfig? = null

    @Volatile
    private var opening: Future<Opening>? = null

    @Volatile
    private var managed: ManagedConfiguration? = null

    @Volatile
    private var feedback: FeedbackPublisher = FeedbackPublisher.LOG_ONLY

    private val throttle = FeedbackThrottle()

    /** The posture probe on this device's framework services. */
    fun probe(context: Context): AndroidPostureProbe = AndroidPostureProbe(AndroidDeviceReadings(context))

    /**
     * Opens Frontline with the app's own configuration (the MDM's managed configuration
     * overrides it) and calls [onOpened] on the main thread. Calling it again only reports.
     */
    @Synchronized
    fun start(application: Application, config: CompanionConfig, onOpened: (Opening) -> Unit = {}) {
        val started = opening
        if (started != null) {
            worker.execute { deliver(started.get(), onOpened) }
            return
        }
        app = application
        appConfig = config
        feedback = FeedbackPublisher.forApp(application)
        setLogSink(LogcatLogSink(), LogLevel.INFO)
        SyncNotifier(application).createChannel()
        RestrictionsChangedReceiver { worker.execute { refreshManagedConfig() } }.register(application)
        application.registerActivityLifecycleCallbacks(ResumeWatcher { worker.execute { refreshManagedConfig() } })
        val future = worker.submit<Opening> { open(application, config) }
        opening = future
        worker.execute { deliver(future.get(), onOpened) }
    }

    /** After [Opening.NeedsRecovery] and the user's consent: opens on a fresh store. */
    @Synchronized
    fun recover(onOpened: (Opening) -> Unit) {
        val application = app ?: throw IllegalStateException("Frontline.start was not called")
        val config = appConfig ?: throw IllegalStateException("Frontline.start was not called")
        val future = worker.submit<Opening> {
            try {
                val recovered = recoverLocalStore(dataDir(application).path, config, keyStore(application))
                afterOpen(application, recovered.companion)
                Opening.Ready(recovered.companion, recovered.recovery)
            } catch (e: FrontlineException) {
                Opening.Failed(e)
            }
        }
        opening = future
        worker.execute { deliver(future.get(), onOpened) }
    }

    /** Runs [block] with the open companion off the main thread; [onResult] on the main thread. */
    fun <T> run(block: (FrontlineCompanion) -> T, onResult: (Result<T>) -> Unit) {
        worker.execute {
            val result = runCatching {
                val open = opening?.get() as? Opening.Ready ?: throw IllegalStateException("Frontline is not open")
                block(open.companion)
            }
            main.post { onResult(result) }
        }
    }

    /** A user-started posture check: fresh facts, report, MDM feedback. Off the main thread. */
    fun checkPosture(context: Context, onResult: (Result<PostureReport>) -> Unit) {
        run({ companion ->
            val report = companion.checkPosture(probe(context).collect(), PostureTrigger.User)
            publishPostureFeedback(companion, immediate = false)
            report
        }, onResult)
    }

    /**
     * The scheduled work (the sync job, on its own thread): managed configuration, a scheduled
     * posture check when the last is older than the sync interval, then the sync. Returns the
     * plan for the next job.
     */
    fun runScheduledWork(context: Context, cancelled: () -> Boolean): SyncJobPlan {
        val open = opening?.let { runCatching { it.get(OPEN_WAIT_S, TimeUnit.SECONDS) }.getOrNull() }
        val config = appConfig
        if (open !is Opening.Ready || config == null) {
            return SyncJobPlan(delayMs = RETRY_UNOPENED_MS, unmeteredOnly = config?.syncWifiOnly ?: false)
        }
        val companion = open.companion
        val notifier = SyncNotifier(context)
        return try {
            refreshManagedConfig()
            val inForce = companion.config()
            val now = System.currentTimeMillis()
            val last = companion.latestPostureReport()?.createdAtMs
            if (last == null || now - last >= inForce.syncIntervalMinutes.toLong() * 60_000L) {
                companion.checkPosture(probe(context).collect(), PostureTrigger.Schedule)
                publishPostureFeedback(companion, immediate = false)
            }
            SyncRun(companion, HttpUrlConnectionTransport()).run(cancelled, notifier::update)
            SyncSchedule.next(companion.outboxStatus(), companion.config(), System.currentTimeMillis())
        } catch (e: FrontlineException) {
            SyncJobPlan(delayMs = RETRY_UNOPENED_MS, unmeteredOnly = config.syncWifiOnly)
        } finally {
            notifier.done()
        }
    }

    private fun open(application: Application, config: CompanionConfig): Opening = try {
        val companion = FrontlineCompanion(dataDir(application).path, config, keyStore(application))
        afterOpen(application, companion)
        Opening.Ready(companion)
    } catch (e: FrontlineException.KeyMismatch) {
        Opening.NeedsRecovery(e)
    } catch (e: FrontlineException.NotADatabase) {
        Opening.NeedsRecovery(e)
    } catch (e: FrontlineException) {
        Opening.Failed(e)
    }

    private fun afterOpen(application: Application, companion: FrontlineCompanion) {
        val probe = probe(application)
        managed = ManagedConfiguration(companion, AndroidRestrictionsSource(application), probe::collect, feedback, throttle)
        refreshManagedConfig()
        companion.checkPosture(probe.collect(), PostureTrigger.AppStart)
        publishPostureFeedback(companion, immediate = false)
        SyncJobs.schedule(application, SyncSchedule.next(companion.outboxStatus(), companion.config(), System.currentTimeMillis()))
    }

    private fun refreshManagedConfig() {
        try {
            managed?.refresh()
        } catch (e: FrontlineException) {
            android.util.Log.w(LogcatLogSink.TAG, "managed configuration not applied: ${e.javaClass.simpleName}")
        }
    }

    private fun publishPostureFeedback(companion: FrontlineCompanion, immediate: Boolean) {
        val states = companion.mdmFeedback().keyedAppStates
        if (states.isNotEmpty()) feedback.publish(states, immediate && throttle.takeImmediate(System.currentTimeMillis()))
    }

    private fun deliver(result: Opening, onOpened: (Opening) -> Unit) {
        main.post { onOpened(result) }
    }

    /** In no-backup storage: the data key's wrapping key does not travel with a backup. */
    private fun dataDir(context: Context): File = File(context.noBackupFilesDir, "frontline").apply { mkdirs() }

    private fun keyStore(context: Context) = KeystoreKeyStore(AndroidKeystoreKeys(context))

    private const val OPEN_WAIT_S = 60L
    private const val RETRY_UNOPENED_MS = 15L * 60 * 1000

    /** Re-reads the managed configuration whenever an activity of the app resumes. */
    private class ResumeWatcher(private val onResume: () -> Unit) : Application.ActivityLifecycleCallbacks {
        override fun onActivityResumed(activity: Activity) = onResume()
        override fun onActivityCreated(activity: Activity, savedInstanceState: Bundle?) = Unit
        override fun onActivityStarted(activity: Activity) = Unit
        override fun onActivityPaused(activity: Activity) = Unit
        override fun onActivityStopped(activity: Activity) = Unit
        override fun onActivitySaveInstanceState(activity: Activity, outState: Bundle) = Unit
        override fun onActivityDestroyed(activity: Activity) = Unit
    }
}
