//! Managed configuration from the MDM: any map of strings is either accepted (and then
//! applies cleanly) or refused with a list of named problems; never a panic.
#![no_main]

use std::collections::HashMap;

use frontline_core::config::managed::ManagedConfig;
use frontline_core::{CompanionConfig, StaffRole};
use libfuzzer_sys::fuzz_target;

fn insecure(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    !(host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback()))
}

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
            // Whatever was accepted never makes the collector a plain-HTTP URL to a host
            // that is not loopback (host read the way browsers read it, independently).
            if let Some(url) = &applied.collector_url {
                assert!(!insecure(url), "insecure collector URL accepted");
            }
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
});
