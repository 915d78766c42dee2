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
