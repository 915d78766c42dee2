// Several Kotlin compilations in one JVM (scripts/kotlinc-batch.sh, ADR 0075).
//
// `kotlinc-jvm` starts a JVM per compilation, and on two cores the compiler's start and JIT
// warm-up cost more than compiling the Android step's small files: five passes (compile SDK,
// minSdk, one per ApiNN level) plus the tests spent most of their CPU seconds warming up. This
// runs the same compiler (K2JVMCompiler, the class `kotlinc-jvm` runs) on each argument file in
// turn, in order, so a later pass sees the classes of an earlier one.
//
// usage: java -cp kotlin-compiler.jar:<this class> KotlincBatch NAME=ARGFILE...
// Prints `kotlinc-batch: NAME ok` per compilation; on the first failure prints
// `kotlinc-batch: NAME FAILED` and exits 1 (the compiler's messages go to stderr before it).

import org.jetbrains.kotlin.cli.common.ExitCode;
import org.jetbrains.kotlin.cli.jvm.K2JVMCompiler;

public final class KotlincBatch {
    private KotlincBatch() {}

    public static void main(String[] jobs) {
        for (String job : jobs) {
            int eq = job.indexOf('=');
            if (eq <= 0) {
                System.err.println("kotlinc-batch: expected NAME=ARGFILE, got " + job);
                System.exit(2);
            }
            String name = job.substring(0, eq);
            ExitCode code = new K2JVMCompiler().exec(System.err, "@" + job.substring(eq + 1));
            if (code != ExitCode.OK) {
                System.out.println("kotlinc-batch: " + name + " FAILED");
                System.exit(1);
            }
            System.out.println("kotlinc-batch: " + name + " ok");
        }
    }
}
