//! Column sealer: opening arbitrary bytes as a sealed cell never panics and never succeeds
//! unless the bytes are a real seal for that cell; sealing then opening round-trips.
#![no_main]

use std::sync::OnceLock;

use frontline_core::crypto::{ColumnSealer, DataKey};
use libfuzzer_sys::fuzz_target;

fn sealer() -> &'static ColumnSealer {
    static SEALER: OnceLock<ColumnSealer> = OnceLock::new();
    SEALER.get_or_init(|| {
        DataKey::from_bytes(&[7; 32])
            .and_then(|k| k.sealer())
            .unwrap_or_else(|_| std::process::abort())
    })
}

fuzz_target!(|data: &[u8]| {
    let sealer = sealer();
    // Arbitrary bytes never open: forging a tag is not something a fuzzer can do.
    assert!(sealer
        .open("quiz_attempt", "answers_sealed", "row", data)
        .is_err());
    // Whatever is sealed opens in place, and only in place.
    let (cell, plain) = data.split_at(data.len().min(8));
    let row = String::from_utf8_lossy(cell);
    let sealed = sealer
        .seal("quiz_attempt", "answers_sealed", &row, plain)
        .unwrap_or_else(|_| std::process::abort());
    assert_eq!(
        sealer
            .open("quiz_attempt", "answers_sealed", &row, &sealed)
            .ok()
            .as_deref(),
        Some(plain)
    );
    assert!(sealer
        .open(
            "quiz_attempt",
            "answers_sealed",
            &format!("{row}x"),
            &sealed
        )
        .is_err());
});
