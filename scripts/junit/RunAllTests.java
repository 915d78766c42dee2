// Finds every JUnit 4 test class under a classes directory and runs them all with JUnitCore.
//
// Used by scripts/test.sh so that any file added to tests/kotlin/ is picked up without a list
// to maintain: a class is a test class if it is public, concrete, and has a public method
// annotated with org.junit.Test. Prints one `PASS`/`FAIL` line per test, the failures in full,
// and finally `RESULT passed=N failed=N ignored=N`; exits 1 if anything failed, nothing ran,
// or a test was ignored (the project has no skipped tests).

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;

public final class RunAllTests {
    private RunAllTests() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: RunAllTests <classes dir>");
            System.exit(2);
        }
        Path root = Paths.get(args[0]);
        List<String> names;
        try (Stream<Path> files = Files.walk(root)) {
            names = files
                    .filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$"))
                    .map(p -> root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .sorted()
                    .collect(Collectors.toList());
        }
        ClassLoader loader = RunAllTests.class.getClassLoader();
        List<Class<?>> testClasses = new ArrayList<>();
        for (String name : names) {
            Class<?> c;
            try {
                c = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                continue; // generated helper classes that cannot be inspected are not tests
            }
            if (isTestClass(c)) {
                testClasses.add(c);
            }
        }
        System.out.println("test classes: " + testClasses.stream().map(Class::getName).collect(Collectors.joining(", ")));
        if (testClasses.isEmpty()) {
            System.out.println("RESULT passed=0 failed=0 ignored=0");
            System.exit(1);
        }

        JUnitCore core = new JUnitCore();
        core.addListener(new RunListener() {
            private boolean failed;

            @Override
            public void testStarted(Description d) {
                failed = false;
            }

            @Override
            public void testFailure(Failure f) {
                failed = true;
                System.out.println("FAIL " + name(f.getDescription()));
            }

            @Override
            public void testFinished(Description d) {
                if (!failed) {
                    System.out.println("PASS " + name(d));
                }
            }

            @Override
            public void testIgnored(Description d) {
                System.out.println("FAIL " + name(d) + " (ignored: the project has no skipped tests)");
            }
        });
        Result result = core.run(testClasses.toArray(new Class<?>[0]));
        for (Failure f : result.getFailures()) {
            System.out.println();
            System.out.println("---- " + name(f.getDescription()) + " ----");
            System.out.println(f.getTrace());
        }
        int failed = result.getFailureCount() + result.getIgnoreCount();
        int passed = result.getRunCount() - result.getFailureCount();
        System.out.println("RESULT passed=" + passed + " failed=" + failed + " ignored=" + result.getIgnoreCount());
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }

    private static String name(Description d) {
        return d.getClassName() + "." + d.getMethodName();
    }

    private static boolean isTestClass(Class<?> c) {
        if (!Modifier.isPublic(c.getModifiers()) || Modifier.isAbstract(c.getModifiers()) || c.isInterface()) {
            return false;
        }
        try {
            for (Method m : c.getMethods()) {
                if (m.isAnnotationPresent(Test.class)) {
                    return true;
                }
            }
        } catch (LinkageError e) {
            return false;
        }
        return false;
    }
}
