//! The uniffi bindgen command line, built from the same uniffi version as `frontline-ffi`
//! so generated Kotlin, Swift and Python always match the library's scaffolding.

fn main() {
    uniffi::uniffi_bindgen_main()
}
