//! `Companion::update_managed_config`: one managed key changes, the others stored by an
//! earlier managed configuration stay, and the result holds on every later open, exactly as
//! an applied managed configuration does (ADR 0082).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::collections::HashMap;
use std::sync::Arc;

use frontline_core::crypto::b64url;
use frontline_core::{Companion, CompanionConfig, Error, SoftwareKeyStore, StaffRole};

const WRAPPING_KEY: [u8; 32] = [0x24; 32];

fn open(dir: &std::path::Path) -> Companion {
    let config = CompanionConfig::new("example-trust", "staff-1", StaffRole::AllStaff);
    let ks = Arc::new(SoftwareKeyStore::new(&WRAPPING_KEY).unwrap());
    Companion::open(dir, config, ks).unwrap()
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn one_key_changes_the_others_stay_and_it_holds_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let report_key = b64url(&[7u8; 32]);
    {
        let mut c = open(dir.path());
        c.apply_managed_config(map(&[
            ("collector_url", "https://collector.example-trust.example"),
            ("staff_role", "specialist"),
        ]))
        .unwrap();
        c.update_managed_config(map(&[("org_report_key", &report_key)]))
            .unwrap();
        assert_eq!(
            c.config().org_report_key.as_deref(),
            Some(report_key.as_str())
        );
        assert_eq!(c.config().staff_role, StaffRole::Specialist);
    }
    let c = open(dir.path());
    assert_eq!(
        c.config().org_report_key.as_deref(),
        Some(report_key.as_str())
    );
    assert_eq!(
        c.config().collector_url.as_deref(),
        Some("https://collector.example-trust.example")
    );
    assert_eq!(c.config().staff_role, StaffRole::Specialist);
}

#[test]
fn a_bad_value_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = open(dir.path());
    let good = b64url(&[7u8; 32]);
    c.update_managed_config(map(&[("org_report_key", &good)]))
        .unwrap();
    let Err(Error::InvalidConfig(problems)) =
        c.update_managed_config(map(&[("org_report_key", "not-a-key")]))
    else {
        panic!("a bad key was accepted");
    };
    assert_eq!(problems[0].key, "org_report_key");
    drop(c);
    assert_eq!(
        open(dir.path()).config().org_report_key.as_deref(),
        Some(good.as_str())
    );
}
