//! Seeds a collector with a small, fixed fleet over real HTTP, for the dashboard's browser
//! test (`scripts/steps/dashboard.sh`). Real envelopes: each device has its own Ed25519 key,
//! enrols with the token, and seals to the organisation's public key.
//!
//! `seed_fleet URL ORG_PUBLIC_JWK_FILE TOKEN`
//!
//! The fleet (the figures `scripts/steps/dashboard/test.cjs` expects):
//! * 10 devices `ward-dev-00` .. `ward-dev-09`; 00–06 compliant (screen_lock, os_version and
//!   encryption pass), 07–08 non_compliant (screen_lock fails, os_version warns), 09 never
//!   sends a posture report;
//! * staff `staff-00` .. `staff-09` (00–04 in team `ward-a`, 05–09 in `ward-b`), one per
//!   device: `data-security-awareness` passed by 00–08 (09 only attempted: 90 %, under the
//!   DSPT line), `phishing` passed by all ten (100 %); staff-00 passed `phishing` 400 days ago
//!   and not since (one overdue refresher);
//! * advisory `adv-2026-001` acknowledged by devices 00–05 (6);
//! * three incidents, all `new`: `inc-seed-lost` (device 01, lost or stolen, urgent, filed for
//!   a colleague, with a hostile description: markup and a spreadsheet formula that the
//!   dashboard must show as text), `inc-seed-phish` (device 02, phishing received, not urgent)
//!   and `inc-seed-card` (device 03, Smartcard shared or lost, urgent).

use std::process::ExitCode;
use std::time::Duration;

use frontline_collector::testing::EnvelopeSealer;
use frontline_core::clock::Clock;
use frontline_core::crypto::jwk::OkpJwk;
use frontline_core::crypto::{b64url, SigningKey};
use serde_json::{json, Value};

const DAY_MS: i64 = 86_400_000;

/// The description of `inc-seed-lost`: what an attacker could type into the app's free text.
const HOSTILE_DESCRIPTION: &str = "=HYPERLINK(\"http://evil.example\") <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> & 'left on the bus'";

fn incident(
    id: &str,
    kind: &str,
    urgent: bool,
    colleague: bool,
    staff: &str,
    text: &str,
    at: i64,
) -> Value {
    json!({
        "incident_id": id, "kind": kind, "urgent": urgent,
        "occurred_at": frontline_core::clock::rfc3339(at - 600_000),
        "reported_at": frontline_core::clock::rfc3339(at),
        "on_behalf_of_colleague": colleague, "description": text, "staff_pseudonym": staff,
    })
}

fn statement(staff: &str, team: &str, verb: &str, module: &str) -> Value {
    json!({
        "actor": {"objectType": "Agent", "account": {"homePage": "https://trust.example", "name": staff}},
        "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}")},
        "object": {"id": format!("https://trust.example/xapi/modules/{module}")},
        "context": {"team": {"objectType": "Group", "name": team}},
    })
}

fn posture(overall: &str, checks: &[(&str, &str)]) -> Value {
    let checks: Vec<Value> = checks
        .iter()
        .map(|(id, status)| json!({"check_id": id, "status": status}))
        .collect();
    json!({"overall": overall, "checks": checks})
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    device: Option<&str>,
    body: &Value,
) -> Result<Value, String> {
    let mut req = agent.post(url).set("Content-Type", "application/json");
    if let Some(d) = device {
        req = req.set("X-Frontline-Device", d);
    }
    let reply = req
        .send_string(&body.to_string())
        .map_err(|e| e.to_string())?;
    let text = reply.into_string().map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn run(url: &str, jwk_file: &str, token: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(jwk_file).map_err(|e| e.to_string())?;
    let jwk = OkpJwk::parse(&text).map_err(|e| e.to_string())?;
    let now = frontline_core::clock::SystemClock.now_ms();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut stored = 0;
    for d in 0..10 {
        let device = format!("ward-dev-{d:02}");
        let staff = format!("staff-{d:02}");
        let team = if d < 5 { "ward-a" } else { "ward-b" };
        let seed = SigningKey::generate()
            .map_err(|e| e.to_string())?
            .seed()
            .to_vec();
        let sealer = EnvelopeSealer::new(&device, &seed, &jwk.x).ok_or("bad key")?;
        post(
            &agent,
            &format!("{url}/v1/devices"),
            None,
            &json!({"device_id": device, "public_key": b64url(&sealer.device_public_key()),
                    "enrolment_token": token}),
        )?;
        let mut envelopes = Vec::new();
        let hour_ago = now - 3_600_000;
        match d {
            0..=6 => envelopes.push(sealer.seal_at(
                "posture_report",
                &posture(
                    "compliant",
                    &[
                        ("screen_lock", "pass"),
                        ("os_version", "pass"),
                        ("encryption", "pass"),
                    ],
                ),
                hour_ago,
            )),
            7 | 8 => envelopes.push(sealer.seal_at(
                "posture_report",
                &posture(
                    "non_compliant",
                    &[
                        ("screen_lock", "fail"),
                        ("os_version", "warn"),
                        ("encryption", "pass"),
                    ],
                ),
                hour_ago,
            )),
            _ => {}
        }
        let dsa = if d < 9 { "passed" } else { "attempted" };
        envelopes.push(sealer.seal_at(
            "training_statement",
            &statement(&staff, team, dsa, "data-security-awareness"),
            hour_ago,
        ));
        let phishing_at = if d == 0 {
            now - 400 * DAY_MS
        } else {
            now - 30 * DAY_MS
        };
        envelopes.push(sealer.seal_at(
            "training_statement",
            &statement(&staff, team, "passed", "phishing"),
            phishing_at,
        ));
        if d < 6 {
            envelopes.push(sealer.seal_at(
                "advisory_ack",
                &json!({"advisory_id": "adv-2026-001", "feed_id": "trust"}),
                hour_ago,
            ));
        }
        let filed = match d {
            1 => Some(incident(
                "inc-seed-lost",
                "lost_or_stolen_device",
                true,
                true,
                &staff,
                HOSTILE_DESCRIPTION,
                hour_ago,
            )),
            2 => Some(incident(
                "inc-seed-phish",
                "phishing_received",
                false,
                false,
                &staff,
                "A text asking me to confirm my Smartcard PIN",
                hour_ago,
            )),
            3 => Some(incident(
                "inc-seed-card",
                "smartcard_shared_or_lost",
                true,
                false,
                &staff,
                "Left my Smartcard in the clinic's shared reader",
                hour_ago,
            )),
            _ => None,
        };
        if let Some(body) = filed {
            envelopes.push(sealer.seal_at("incident", &body, hour_ago));
        }
        let reply = post(
            &agent,
            &format!("{url}/v1/envelopes"),
            Some(&device),
            &json!({"envelopes": envelopes}),
        )?;
        for r in reply["results"].as_array().ok_or("no results")? {
            if r["status"] != "accepted" {
                return Err(format!("an envelope was not accepted: {r}"));
            }
            stored += 1;
        }
    }
    println!("seeded 10 devices, {stored} reports");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, jwk, token] = args.as_slice() else {
        eprintln!("usage: seed_fleet URL ORG_PUBLIC_JWK_FILE TOKEN");
        return ExitCode::from(2);
    };
    match run(url, jwk, token) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_fleet: {e}");
            ExitCode::FAILURE
        }
    }
}
