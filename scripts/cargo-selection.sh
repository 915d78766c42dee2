# Sourced by scripts/test.sh and scripts/bindings.sh: the one package and feature selection
# that every cargo command of the test command uses, so that each crate is built once per run
# (ADR 0070).
#
# Cargo resolves features per command: the selected packages, `--features`, and whether a
# selected target needs dev-dependencies. `cargo test --workspace` turns dev-dependencies on
# (e.g. frontline-collector's `test-support`, hpke's and criterion's features on shared
# crates); a plain `cargo build -p frontline-ffi` or `cargo build --workspace` does not, so it
# resolves other features, and the crates whose features differ (and everything above them,
# the core included) compile a second time. Building every test target in the same command
# as the libraries and binaries makes the resolution the same as `cargo test`'s.

# Packages and features: the whole workspace, with the test-only FFI export the binding tests
# call (frontline-ffi/test-hooks).
CARGO_SELECTION=(--workspace --features frontline-ffi/test-hooks)

# What the build step builds: the libraries (libfrontline_ffi.so), the binaries (frontline,
# uniffi-bindgen, the kill -9 helper) and every target `cargo test` builds. `--tests` is what
# keeps dev-dependencies in the resolution.
CARGO_BUILD_TARGETS=(--lib --bins --tests --examples)

# Clippy's lints in that one build (ADR 0076). `cargo clippy` is `cargo check` with clippy-driver
# (rustc plus clippy's lints) as the compiler of the workspace's own crates; `cargo check` writes
# metadata-only artefacts that `cargo build` cannot reuse, so on its own it type-checked every
# dependency a second time (the largest cold step after the build). With the same driver and
# arguments as the wrapper of the build, every workspace crate is linted (`-D warnings`) while it
# is compiled, dependencies are compiled once, and the lints cover every target the build
# builds. Every cargo command of the run sees these, so none rebuilds another's crates.
CARGO_BUILD_TARGETS+=(--benches)
RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
