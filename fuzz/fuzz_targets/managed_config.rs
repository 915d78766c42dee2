//! Managed configuration from the MDM: any map of strings is either accepted (and then
//! applies cleanly) or refused with a list of named problems; never a panic.
#![no_main]

use std::collections::HashMap;

use frontline_core::config::managed::ManagedConfig;
use frontline_core::{CompanionConfig, StaffRole};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Lines of `key=value`; a value may be anything, including empty or very long.
    let text = String::from_utf8_lossy(data);
    let mut map = HashMap::new();
    for line in text.split('\n') {
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        map.insert(k.to_owned(), v.to_owned());
    }
    let base = CompanionConfig::new("example-trust", "staff-0001", StaffRole::AllStaff);
    match ManagedConfig::from_map(&map) {
        Ok((managed, _ignored)) => {
            let applied = managed.apply_to(&base);
            // Whatever was accepted never turns the collector into a non-loopback http URL.
            if let Some(url) = &applied.collector_url {
                assert!(
                    !url.starts_with("http://") || url.contains("127.0.0.1") || url.contains("localhost") || url.contains("[::1]"),
                    "insecure collector URL accepted"
                );
            }
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
});
