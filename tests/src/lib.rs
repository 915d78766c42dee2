//! End-to-end scenarios live in `tests/tests/`; this crate has no library code.
#![forbid(unsafe_code)]
