//! Support for the end-to-end scenarios in `tests/tests/`: a fault-injecting HTTP proxy that
//! sits between the device's sync driver and the collector.
#![forbid(unsafe_code)]

pub mod proxy;
