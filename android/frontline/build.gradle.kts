// The Frontline library: platform adapters (org.frontline.android), the uniffi-generated Kotlin
// (org.frontline, org.frontline.core) and libfrontline_ffi.so for each ABI. The generated
// Kotlin and the .so files are build output (build/), never committed.
import org.gradle.api.tasks.Exec

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val workspace = rootProject.projectDir.parentFile // the Cargo workspace (repository root)
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")
val uniffiKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val rustProfile = providers.gradleProperty("frontline.rustProfile").getOrElse("release")

android {
    namespace = "org.frontline.android"
    compileSdk = libs.versions.compileSdk.get().toInt()

    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            java.srcDir(uniffiKotlin)
            jniLibs.srcDir(rustJniLibs)
        }
    }

    testOptions {
        unitTests {
            // The JVM tests load the host build of libfrontline_ffi (scripts/bindings.sh).
            all { test ->
                test.systemProperty("jna.library.path", File(workspace, "build/bindings").path)
                test.systemProperty("frontline.bin", File(workspace, "target/debug/frontline").path)
            }
        }
    }
}

kotlin {
    jvmToolchain(17)
}

// cargo-ndk (https://github.com/bbqsrc/cargo-ndk) builds the core for each ABI with the NDK's
// clang; ANDROID_NDK_HOME (or the SDK's ndk/ folder) must point to NDK r28 or newer for
// 16 KB page alignment (older NDKs: see scripts/build-android.sh).
val cargoNdkBuild by tasks.registering(Exec::class) {
    group = "rust"
    description = "Builds libfrontline_ffi.so for ${abis.joinToString()} with cargo-ndk"
    workingDir = workspace
    inputs.files(fileTree(workspace) { include("Cargo.toml", "Cargo.lock", "core/**", "bindings/**") })
    outputs.dir(rustJniLibs)
    val args = mutableListOf("cargo", "ndk")
    abis.forEach { args += listOf("-t", it) }
    args += listOf("--platform", libs.versions.minSdk.get(), "-o", rustJniLibs.get().asFile.path, "build", "-p", "frontline-ffi")
    if (rustProfile == "release") args += "--release"
    commandLine(args)
}

// The Kotlin bindings come from the workspace's own uniffi-bindgen (the same uniffi version as
// the library), reading the metadata of the arm64 library that cargo-ndk just built.
val generateUniffiKotlin by tasks.registering(Exec::class) {
    group = "rust"
    description = "Generates the Kotlin bindings with the workspace's uniffi-bindgen"
    dependsOn(cargoNdkBuild)
    workingDir = workspace
    inputs.dir(rustJniLibs)
    outputs.dir(uniffiKotlin)
    commandLine(
        "cargo", "run", "--quiet", "-p", "uniffi-bindgen", "--",
        "generate", rustJniLibs.get().file("arm64-v8a/libfrontline_ffi.so").asFile.path,
        "-l", "kotlin", "-o", uniffiKotlin.get().asFile.path,
    )
}

tasks.named("preBuild") { dependsOn(generateUniffiKotlin) }

dependencies {
    // uniffi's Kotlin calls the library through JNA; the @aar carries JNA's own .so files.
    implementation("${libs.jna.get()}@aar")
    // Keyed app states for the EMM (KeyedAppStatesPublisher.kt): the only AndroidX use.
    implementation(libs.androidx.enterprise.feedback)

    testImplementation(libs.junit)
    // The JVM tests run the generated Kotlin against the host library through desktop JNA.
    testImplementation(libs.jna)
}
