//! The organisation's benchmark: per area, the quartiles of the latest assessment scores
//! across devices and across teams, published by the collector as a signed `benchmark`
//! bundle so a device can say where it stands while offline.
//!
//! Quartiles use linear interpolation between order statistics (Hyndman and Fan type 7, the
//! default of R, NumPy and spreadsheet `QUARTILE.INC`): for sorted scores `x[0..n]` and
//! `p` in {0.25, 0.5, 0.75}, `h = (n − 1)·p`, `q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
//! A team is published only with at least [`MIN_GROUP`] devices, so no team figure describes
//! one or two people. Standing: a score at or above the upper quartile is in the top quarter,
//! at or above the median the second, at or above the lower quartile the third, else the
//! bottom quarter.

use serde::{Deserialize, Serialize};

use super::score::AssessmentResult;
use super::AssessmentArea;

/// The payload format this build reads.
pub const BENCHMARK_FORMAT: u32 = 1;
/// Fewest devices a published group (a team, or the organisation) may have.
pub const MIN_GROUP: u32 = 5;

/// Lower quartile, median and upper quartile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Quartiles {
    /// Lower quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Upper quartile.
    pub q3: f64,
}

/// Type-7 quantile of sorted `xs` at `p` (0–1); `None` for no values.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(last);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// The quartiles of `values` (any order); `None` for no values.
pub fn quartiles(values: &[f64]) -> Option<Quartiles> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    Some(Quartiles {
        q1: quantile(&sorted, 0.25)?,
        median: quantile(&sorted, 0.5)?,
        q3: quantile(&sorted, 0.75)?,
    })
}

/// One area across the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaBenchmark {
    /// The area.
    pub area: AssessmentArea,
    /// Devices with a score in this area.
    pub devices: u32,
    /// Quartiles of the devices' scores.
    pub devices_quartiles: Quartiles,
    /// Teams published for this area.
    #[serde(default)]
    pub teams: u32,
    /// Quartiles of the team medians (absent with fewer than two teams).
    #[serde(default)]
    pub team_quartiles: Option<Quartiles>,
}

/// One team's medians.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamBenchmark {
    /// The team id (from the assessment's list).
    pub team: String,
    /// Devices in the team with an assessment.
    pub devices: u32,
    /// Median score per area.
    pub medians: Vec<TeamMedian>,
}

/// A team's median in one area.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMedian {
    /// The area.
    pub area: AssessmentArea,
    /// The median of the team's device scores.
    pub median: f64,
}

/// The benchmark bundle's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    /// Payload format (1).
    pub format: u32,
    /// When the collector computed it (RFC 3339).
    pub generated_at: String,
    /// Devices whose latest assessment counted.
    pub devices: u32,
    /// Quartiles of the overall scores.
    pub overall: Quartiles,
    /// Per area.
    pub areas: Vec<AreaBenchmark>,
    /// Per team (only teams with at least [`MIN_GROUP`] devices).
    #[serde(default)]
    pub teams: Vec<TeamBenchmark>,
}

/// Why a benchmark payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenchmarkProblem {
    /// Not JSON of the benchmark shape.
    #[error("the benchmark is not well-formed")]
    Malformed,
    /// A format this build does not read.
    #[error("unsupported benchmark format {0}")]
    UnsupportedFormat(u32),
    /// A quartile is not a number in 0–100 or the three are out of order; or a group is
    /// smaller than [`MIN_GROUP`].
    #[error("the benchmark has a figure out of range")]
    OutOfRange,
}

fn quartiles_ok(q: &Quartiles) -> bool {
    [q.q1, q.median, q.q3]
        .iter()
        .all(|v| v.is_finite() && (0.0..=100.0).contains(v))
        && q.q1 <= q.median
        && q.median <= q.q3
}

impl Benchmark {
    /// Parses and checks a payload.
    pub fn parse(payload: &[u8]) -> Result<Self, BenchmarkProblem> {
        let b: Self = serde_json::from_slice(payload).map_err(|_| BenchmarkProblem::Malformed)?;
        if b.format != BENCHMARK_FORMAT {
            return Err(BenchmarkProblem::UnsupportedFormat(b.format));
        }
        let groups_ok = b.devices >= MIN_GROUP
            && b.areas.iter().all(|a| a.devices >= MIN_GROUP)
            && b.teams.iter().all(|t| t.devices >= MIN_GROUP);
        let figures_ok = quartiles_ok(&b.overall)
            && b.areas.iter().all(|a| {
                quartiles_ok(&a.devices_quartiles)
                    && a.team_quartiles.as_ref().is_none_or(quartiles_ok)
            })
            && b.teams.iter().all(|t| {
                t.medians
                    .iter()
                    .all(|m| m.median.is_finite() && (0.0..=100.0).contains(&m.median))
            });
        if !groups_ok || !figures_ok {
            return Err(BenchmarkProblem::OutOfRange);
        }
        Ok(b)
    }
}

impl crate::bundle::BundlePayload for Benchmark {
    const KIND: crate::bundle::BundleKind = crate::bundle::BundleKind::Benchmark;

    fn from_payload(payload: &[u8]) -> Result<Self, crate::bundle::BundleRefusal> {
        Self::parse(payload).map_err(|_| crate::bundle::BundleRefusal::InvalidPayload)
    }
}

/// Which quarter of the organisation a score falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Quarter {
    /// At or above the upper quartile.
    Top,
    /// At or above the median.
    Second,
    /// At or above the lower quartile.
    Third,
    /// Below the lower quartile.
    Bottom,
}

impl Quarter {
    /// The quarter `score` falls in.
    pub fn of(score: f64, q: &Quartiles) -> Self {
        if score >= q.q3 {
            Self::Top
        } else if score >= q.median {
            Self::Second
        } else if score >= q.q1 {
            Self::Third
        } else {
            Self::Bottom
        }
    }

    /// "the top quarter", …
    pub fn words(self) -> &'static str {
        match self {
            Self::Top => "the top quarter",
            Self::Second => "the second quarter",
            Self::Third => "the third quarter",
            Self::Bottom => "the bottom quarter",
        }
    }
}

/// Where this device (and its team) stands in one area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AreaStanding {
    /// The area.
    pub area: AssessmentArea,
    /// Its title.
    pub title: String,
    /// This device's score in the area.
    pub score_percent: u32,
    /// The organisation's quartiles across devices.
    pub organisation: Quartiles,
    /// This device's quarter.
    pub quarter: Quarter,
    /// "You are in the top quarter for phishing."
    pub words: String,
    /// The team's quarter among teams, when the device named a published team.
    pub team_quarter: Option<Quarter>,
    /// "Your team is in the top quarter for phishing."
    pub team_words: Option<String>,
}

/// Where this device stands, area by area, by the installed benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AssessmentStanding {
    /// When the benchmark was computed (RFC 3339).
    pub benchmark_generated_at: String,
    /// Devices the benchmark counts.
    pub devices: u32,
    /// Per area, in the order of the result (weakest first).
    pub areas: Vec<AreaStanding>,
}

/// Compares a submitted result with the benchmark; `team` is the team the device chose.
pub fn standing(
    benchmark: &Benchmark,
    result: &AssessmentResult,
    team: Option<&str>,
) -> AssessmentStanding {
    let team = team.and_then(|t| benchmark.teams.iter().find(|b| b.team == t));
    let mut areas = Vec::new();
    for area in &result.areas {
        let Some(score) = area.score_percent else {
            continue;
        };
        let Some(bench) = benchmark.areas.iter().find(|b| b.area == area.area) else {
            continue;
        };
        let quarter = Quarter::of(f64::from(score), &bench.devices_quartiles);
        let name = area.title.to_lowercase();
        let team_quarter = match (team, bench.team_quartiles.as_ref()) {
            (Some(t), Some(tq)) => t
                .medians
                .iter()
                .find(|m| m.area == area.area)
                .map(|m| Quarter::of(m.median, tq)),
            _ => None,
        };
        areas.push(AreaStanding {
            area: area.area,
            title: area.title.clone(),
            score_percent: score,
            organisation: bench.devices_quartiles,
            quarter,
            words: format!("You are in {} for {name}.", quarter.words()),
            team_quarter,
            team_words: team_quarter.map(|q| format!("Your team is in {} for {name}.", q.words())),
        });
    }
    AssessmentStanding {
        benchmark_generated_at: benchmark.generated_at.clone(),
        devices: benchmark.devices,
        areas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quartiles_by_hand() {
        // 1..=8: h = 1.75, 3.5, 5.25.
        let xs: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(
            quartiles(&xs),
            Some(Quartiles {
                q1: 2.75,
                median: 4.5,
                q3: 6.25
            })
        );
        assert_eq!(
            quartiles(&[7.0]),
            Some(Quartiles {
                q1: 7.0,
                median: 7.0,
                q3: 7.0
            })
        );
        assert_eq!(quartiles(&[]), None);
        // Order does not matter.
        assert_eq!(quartiles(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
    }

    #[test]
    fn quarters_at_the_boundaries() {
        let q = Quartiles {
            q1: 40.0,
            median: 60.0,
            q3: 80.0,
        };
        assert_eq!(Quarter::of(80.0, &q), Quarter::Top);
        assert_eq!(Quarter::of(79.9, &q), Quarter::Second);
        assert_eq!(Quarter::of(60.0, &q), Quarter::Second);
        assert_eq!(Quarter::of(40.0, &q), Quarter::Third);
        assert_eq!(Quarter::of(39.0, &q), Quarter::Bottom);
    }

    #[test]
    fn parse_refuses_out_of_range_and_small_groups() {
        let good = serde_json::json!({
            "format": 1, "generated_at": "2026-12-03T08:00:00.000Z", "devices": 10,
            "overall": {"q1": 40.0, "median": 60.0, "q3": 80.0},
            "areas": [{"area": "phishing", "devices": 10,
                       "devices_quartiles": {"q1": 40.0, "median": 60.0, "q3": 80.0}}],
            "teams": [{"team": "ward-7", "devices": 5, "medians": [{"area": "phishing", "median": 70.0}]}]
        });
        let parse = |v: &serde_json::Value| Benchmark::parse(&serde_json::to_vec(v).unwrap());
        assert!(parse(&good).is_ok());
        let mut v = good.clone();
        v["overall"]["q1"] = 90.0.into();
        assert_eq!(parse(&v), Err(BenchmarkProblem::OutOfRange));
        let mut v = good.clone();
        v["teams"][0]["devices"] = 4.into();
        assert_eq!(parse(&v), Err(BenchmarkProblem::OutOfRange));
        let mut v = good;
        v["format"] = 9.into();
        assert_eq!(parse(&v), Err(BenchmarkProblem::UnsupportedFormat(9)));
        assert_eq!(Benchmark::parse(b"[]"), Err(BenchmarkProblem::Malformed));
    }
}
