// What a call into Frontline costs from the JVM, through the generated Kotlin bindings (JNA),
// against the same work called on the core from Rust in the same run (`kernels calls N`,
// core/examples/kernels.rs). Not a JUnit test: a `main` that scripts/bench.sh compiles and runs.
//
//   java ... org.frontline.bench.FfiBenchKt N
//
// Prints `FFI kotlin <call> <µs per call>` for: a bare JNA call to libc (`getpid`, the floor
// of any JNA crossing), an empty call (`schemaVersion()`: the lock,
// a u32 back), the module list (`trainingModules()`: a list of records back) and a posture
// check with a full facts record (`checkPosture(...)`: a record in, evaluation, a sealed report
// queued in SQLite, a record back). Each is warmed up first, so the JIT has compiled the
// binding code, then timed over N calls (10 N for the empty call).
package org.frontline.bench

import com.sun.jna.Native
import java.nio.file.Files
import org.frontline.FrontlineCompanion
import org.frontline.core.PostureTrigger

/** libc's `getpid` through JNA direct mapping, as uniffi maps its calls: the floor of any JNA
 *  crossing on this JVM, uniffi or not. */
object LibC {
    init {
        Native.register("c")
    }

    external fun getpid(): Int
}

/** Warms `f` up, then returns µs per call over `n` calls. */
inline fun perCallUs(n: Int, f: () -> Unit): Double {
    repeat(maxOf(n / 2, 200)) { f() }
    val start = System.nanoTime()
    repeat(n) { f() }
    return (System.nanoTime() - start) / 1000.0 / n
}

fun main(args: Array<String>) {
    val n = args.firstOrNull()?.toInt() ?: 2000
    val dir = Files.createTempDirectory("frontline-ffibench").toFile()
    try {
        val config = org.frontline.tests.testConfig("stf-bench")
        FrontlineCompanion(dir.path, config, org.frontline.tests.AesGcmKeyStore()).use { companion ->
            val facts = org.frontline.tests.currentPhoneFacts()
            var sink = 0L
            val floor = perCallUs(n * 10) { sink += LibC.getpid() }
            val empty = perCallUs(n * 10) { sink += companion.schemaVersion().toLong() }
            val modules = perCallUs(n) { sink += companion.trainingModules().size }
            val posture = perCallUs(n) { sink += companion.checkPosture(facts, PostureTrigger.User).checks.size }
            println("FFI kotlin jna_floor %.3f".format(floor))
            println("FFI kotlin empty_call %.3f".format(empty))
            println("FFI kotlin training_modules %.3f".format(modules))
            println("FFI kotlin check_posture %.3f".format(posture))
            if (sink == 42L) println("") // keeps the results alive
        }
    } finally {
        dir.deleteRecursively()
    }
}
