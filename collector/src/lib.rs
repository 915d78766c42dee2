//! The reference collector (to come).
#![forbid(unsafe_code)]
