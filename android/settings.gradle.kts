// Frontline for Android: the library module apps depend on, and the sample app.
// Open this folder in Android Studio, or build with `gradle :sample:assembleDebug`
// (see docs/android.md: the Rust core is built by cargo-ndk from ../ by Gradle tasks).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "frontline-android"
include(":frontline", ":sample")
