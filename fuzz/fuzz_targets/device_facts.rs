//! Device facts from the platform probe: any JSON is either refused with a typed error or
//! parsed, sanitised and evaluated against the default policy; never a panic, and every
//! check gets a status.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use frontline_core::advisory::{AdvisoryFeed, ReleaseTable};
use frontline_core::posture::evaluate::evaluate;
use frontline_core::posture::{DeviceFacts, Policy};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_790_000_000_000;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::default_policy().unwrap_or_else(|_| std::process::abort()))
}

fn releases() -> &'static ReleaseTable {
    static R: OnceLock<ReleaseTable> = OnceLock::new();
    R.get_or_init(|| {
        AdvisoryFeed::default_feed()
            .unwrap_or_else(|_| std::process::abort())
            .release_table()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(facts) = DeviceFacts::from_json(data) else {
        return;
    };
    let facts = facts.sanitised();
    let mut first_failed = BTreeMap::new();
    for check in &policy().checks {
        first_failed.insert(check.id.clone(), NOW - 40 * 86_400_000);
    }
    for (now, failed) in [
        (NOW, BTreeMap::new()),
        (NOW, first_failed.clone()),
        (0, first_failed),
    ] {
        let evaluation = evaluate(&facts, policy(), releases(), now, &failed);
        assert_eq!(evaluation.checks.len(), policy().checks.len());
    }
});
