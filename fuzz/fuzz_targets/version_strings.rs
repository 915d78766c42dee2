//! OS version and patch-level strings from the probe: parsing never panics, comparison is a
//! consistent order, and dates either parse or are refused.
#![no_main]

use std::cmp::Ordering;

use frontline_core::clock::{parse_date, parse_rfc3339};
use frontline_core::posture::facts::Version;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_at(
        text.char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i),
    );
    let _ = parse_date(&text);
    let _ = parse_rfc3339(&text);
    if let (Some(x), Some(y)) = (Version::parse(a), Version::parse(b)) {
        let _ = x.major();
        assert_eq!(x.cmp_numeric(&x), Ordering::Equal);
        assert_eq!(x.cmp_numeric(&y), y.cmp_numeric(&x).reverse());
    }
    if let Some(v) = Version::parse(&text) {
        assert_eq!(v.cmp_numeric(&v), Ordering::Equal);
    }
});
