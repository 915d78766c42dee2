//! Support for the end-to-end scenarios in `tests/tests/`: a fault-injecting HTTP proxy that
//! sits between the device's sync driver and the collector, and collectors in child
//! processes (`node`) for the multi-instance test and the load benchmark.
#![forbid(unsafe_code)]

pub mod node;
pub mod proxy;
