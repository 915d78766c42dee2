//! The IT dashboard at `/dashboard`: what the collector knows, for the trust's IT and IG team,
//! in a browser.
//!
//! Server-rendered HTML with inline SVG charts and one small script (a table filter), no
//! build step. Everything shown is what devices sent: device ids and staff pseudonyms, never
//! a name.
//!
//! Access: one admin password set at `collector serve` (compared as SHA-256 digests in
//! constant time). A correct login sets a session cookie (`HttpOnly; Secure;
//! SameSite=Strict; Path=/dashboard`) holding an expiry and an HMAC-SHA256 over it; the HMAC
//! key is derived from the organisation's report key and the admin password, so every
//! collector process of the trust accepts the same session and changing the password ends
//! all sessions. CSRF: the state-changing requests (login, logout, an incident's status) are
//! POSTs refused unless `Origin` (and `Sec-Fetch-Site`, where sent) say same-origin, on top of
//! `SameSite=Strict`; a status change must also carry the session's CSRF token (an HMAC of
//! the session cookie, in a hidden form field), so even a same-site page without the token
//! cannot change data (ADR 0143). Pages carry a strict Content-Security-Policy (no inline
//! script) and `Cache-Control: no-store`.
//!
//! Incidents (`crate::assessment`) are listed with their status and a form per incident to
//! move it to `new`, `triaged` or `closed`, and exported as CSV at
//! `/dashboard/incidents.csv`. The reporter's free text is shown HTML-escaped, like every
//! value a device sent.

use std::fmt::Write as _;

use frontline_core::crypto::{b64url, from_b64url, random_bytes, sha256};
use ring::hmac;

use crate::assessment::{self, IncidentRow, IncidentStatus};
use crate::keys::OrgReportKey;
use crate::report::{CollectorReport, DSPT_TARGET};
use crate::server::{header, same_digest, Reply, Req, State};
use crate::CollectorError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "frontline_dashboard";

/// How the dashboard is set up.
#[derive(Clone, PartialEq, Eq)]
pub struct DashboardConfig {
    /// The admin password (or token).
    pub admin_password: String,
    /// Days after a pass before a module's refresher is due.
    pub refresher_days: u32,
    /// How long a session lasts, in minutes.
    pub session_minutes: u32,
}

impl std::fmt::Debug for DashboardConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardConfig")
            .field("refresher_days", &self.refresher_days)
            .field("session_minutes", &self.session_minutes)
            .finish_non_exhaustive()
    }
}

impl DashboardConfig {
    /// The dashboard with `admin_password`, annual refreshers and 8-hour sessions.
    pub fn new(admin_password: &str) -> Self {
        Self {
            admin_password: admin_password.to_owned(),
            refresher_days: crate::report::DEFAULT_REFRESHER_DAYS,
            session_minutes: 8 * 60,
        }
    }
}

pub(crate) struct Dashboard {
    password_digest: [u8; 32],
    session_key: hmac::Key,
    refresher_days: u32,
    session_ms: i64,
}

const CSS: &str = include_str!("dashboard/app.css");
const JS: &str = include_str!("dashboard/app.js");
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

impl Dashboard {
    pub(crate) fn new(config: &DashboardConfig, org_key: &OrgReportKey) -> Self {
        let mut seed = b"frontline-dashboard-session/1\0".to_vec();
        seed.extend_from_slice(&org_key.derive(b"dashboard-session"));
        seed.extend_from_slice(&sha256(config.admin_password.as_bytes()));
        Self {
            password_digest: sha256(config.admin_password.as_bytes()),
            session_key: hmac::Key::new(hmac::HMAC_SHA256, &sha256(&seed)),
            refresher_days: config.refresher_days,
            session_ms: i64::from(config.session_minutes.max(1)) * 60_000,
        }
    }

    pub(crate) fn route(&self, request: &Req, state: &State) -> Result<Reply, CollectorError> {
        let now = crate::store::now_ms();
        let method = request.method.as_str();
        match (method, request.path.as_str()) {
            ("GET", "/dashboard/app.css") => Ok(asset(CSS, "text/css; charset=utf-8")),
            ("GET", "/dashboard/app.js") => Ok(asset(JS, "text/javascript; charset=utf-8")),
            ("GET", "/dashboard" | "/dashboard/") => {
                if !self.signed_in(request, now) {
                    return Ok(page(401, &login_page(None), Vec::new()));
                }
                let report = CollectorReport::from_source(&state.store, now, self.refresher_days)?;
                let incidents = assessment::incidents(&state.store)?;
                let csrf = self.csrf_token(request).unwrap_or_default();
                Ok(page(
                    200,
                    &dashboard_page(&report, &incidents, &csrf, state.store.backend()),
                    Vec::new(),
                ))
            }
            ("GET", "/dashboard/export.csv") => {
                if !self.signed_in(request, now) {
                    return Ok(Reply::error(401, "not_signed_in"));
                }
                let report = CollectorReport::from_source(&state.store, now, self.refresher_days)?;
                Ok(csv_download(report.to_csv(), "frontline-report.csv"))
            }
            ("GET", "/dashboard/incidents.csv") => {
                if !self.signed_in(request, now) {
                    return Ok(Reply::error(401, "not_signed_in"));
                }
                let incidents = assessment::incidents(&state.store)?;
                Ok(csv_download(
                    assessment::incidents_csv(&incidents),
                    "frontline-incidents.csv",
                ))
            }
            ("POST", "/dashboard/incidents/status") => {
                if !self.signed_in(request, now) {
                    return Ok(Reply::error(401, "not_signed_in"));
                }
                if !same_origin(request) || !self.csrf_token_matches(request) {
                    log::warn!("an incident status change without a valid CSRF token was refused");
                    return Ok(Reply::error(403, "csrf"));
                }
                let status = form_value(&request.body, "status")
                    .as_deref()
                    .and_then(IncidentStatus::parse);
                let (Some(envelope_id), Some(status)) =
                    (form_value(&request.body, "envelope_id"), status)
                else {
                    return Ok(Reply::error(400, "malformed"));
                };
                if !assessment::set_incident_status(&state.store, &envelope_id, status, now)? {
                    return Ok(Reply::error(404, "no_such_incident"));
                }
                log::info!("an incident's status was changed on the dashboard");
                Ok(redirect(Vec::new()))
            }
            ("GET", "/dashboard/report.json") => {
                if !self.signed_in(request, now) {
                    return Ok(Reply::error(401, "not_signed_in"));
                }
                let report = CollectorReport::from_source(&state.store, now, self.refresher_days)?;
                let mut reply = Reply::json(200, serde_json::json!(report));
                reply
                    .headers
                    .push(("Cache-Control", String::from("no-store")));
                Ok(reply)
            }
            ("POST", "/dashboard/login") => {
                if !same_origin(request) {
                    return Ok(Reply::error(403, "cross_origin"));
                }
                let given = form_value(&request.body, "password").unwrap_or_default();
                if !same_digest(&sha256(given.as_bytes()), &self.password_digest) {
                    log::warn!("dashboard sign-in refused");
                    return Ok(page(401, &login_page(Some("Wrong password.")), Vec::new()));
                }
                log::info!("dashboard sign-in");
                let cookie = self.new_session(now)?;
                Ok(redirect(vec![(
                    "Set-Cookie",
                    format!(
                        "{SESSION_COOKIE}={cookie}; Path=/dashboard; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                        self.session_ms / 1000
                    ),
                )]))
            }
            ("POST", "/dashboard/logout") => {
                if !same_origin(request) {
                    return Ok(Reply::error(403, "cross_origin"));
                }
                Ok(redirect(vec![(
                    "Set-Cookie",
                    format!(
                        "{SESSION_COOKIE}=; Path=/dashboard; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
                    ),
                )]))
            }
            (
                _,
                "/dashboard"
                | "/dashboard/login"
                | "/dashboard/logout"
                | "/dashboard/incidents/status",
            ) => Ok(Reply::error(405, "method_not_allowed")),
            _ => Ok(Reply::error(404, "not_found")),
        }
    }

    fn mac(&self, payload: &str) -> hmac::Tag {
        hmac::sign(&self.session_key, payload.as_bytes())
    }

    /// `v1.<expiry ms>.<nonce>.<hmac>`.
    fn new_session(&self, now: i64) -> Result<String, CollectorError> {
        let nonce = random_bytes(16).map_err(|_| CollectorError::Key("no randomness"))?;
        let payload = format!("v1.{}.{}", now + self.session_ms, b64url(&nonce));
        let tag = self.mac(&payload);
        Ok(format!("{payload}.{}", b64url(tag.as_ref())))
    }

    /// The CSRF token of the request's session: an HMAC of the session cookie under a label
    /// of its own, so it is worthless without the cookie and differs per session.
    fn csrf_token(&self, request: &Req) -> Option<String> {
        let session = cookie(request, SESSION_COOKIE)?;
        let tag = self.mac(&format!("csrf.{session}"));
        Some(b64url(tag.as_ref()))
    }

    /// Whether the form's `csrf` field is this session's token (compared as digests).
    fn csrf_token_matches(&self, request: &Req) -> bool {
        let (Some(expected), Some(given)) =
            (self.csrf_token(request), form_value(&request.body, "csrf"))
        else {
            return false;
        };
        same_digest(&sha256(expected.as_bytes()), &sha256(given.as_bytes()))
    }

    fn signed_in(&self, request: &Req, now: i64) -> bool {
        let Some(value) = cookie(request, SESSION_COOKIE) else {
            return false;
        };
        let Some((payload, tag)) = value.rsplit_once('.') else {
            return false;
        };
        let Ok(tag) = from_b64url(tag) else {
            return false;
        };
        if hmac::verify(&self.session_key, payload.as_bytes(), &tag).is_err() {
            return false;
        }
        let mut parts = payload.split('.');
        parts.next() == Some("v1")
            && parts
                .next()
                .and_then(|e| e.parse::<i64>().ok())
                .is_some_and(|expiry| expiry > now)
    }
}

fn asset(text: &str, content_type: &'static str) -> Reply {
    Reply {
        status: 200,
        body: text.as_bytes().to_vec(),
        content_type,
        headers: vec![
            ("Cache-Control", String::from("no-cache")),
            ("X-Content-Type-Options", String::from("nosniff")),
        ],
    }
}

fn page(status: u16, html: &str, mut headers: Vec<(&'static str, String)>) -> Reply {
    headers.extend([
        ("Content-Security-Policy", String::from(CSP)),
        ("Cache-Control", String::from("no-store")),
        ("X-Content-Type-Options", String::from("nosniff")),
        ("Referrer-Policy", String::from("same-origin")),
        ("X-Frame-Options", String::from("DENY")),
    ]);
    Reply {
        status,
        body: html.as_bytes().to_vec(),
        content_type: "text/html; charset=utf-8",
        headers,
    }
}

fn csv_download(csv: String, filename: &str) -> Reply {
    Reply {
        status: 200,
        body: csv.into_bytes(),
        content_type: "text/csv; charset=utf-8",
        headers: vec![
            (
                "Content-Disposition",
                format!("attachment; filename=\"{filename}\""),
            ),
            ("Cache-Control", String::from("no-store")),
        ],
    }
}

fn redirect(mut headers: Vec<(&'static str, String)>) -> Reply {
    headers.push(("Location", String::from("/dashboard")));
    headers.push(("Cache-Control", String::from("no-store")));
    Reply {
        status: 303,
        body: Vec::new(),
        content_type: "text/plain",
        headers,
    }
}

/// A POST is same-origin when `Sec-Fetch-Site` (if sent) says so and `Origin` (if sent)
/// names this host. Browsers send at least one of them on every POST.
fn same_origin(request: &Req) -> bool {
    if let Some(site) = header(request, "sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    match header(request, "origin") {
        None => true,
        Some(origin) => {
            let host = header(request, "host").unwrap_or("");
            let origin_host = origin
                .split_once("://")
                .map_or("", |(_, rest)| rest.trim_end_matches('/'));
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

fn cookie<'a>(request: &'a Req, name: &str) -> Option<&'a str> {
    request
        .headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| url_decode(k).as_deref() == Some(name))
        .and_then(|(_, v)| url_decode(v))
}

fn url_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// HTML-escapes `text` (element content and quoted attribute values).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/dashboard/app.css\">\
         <script src=\"/dashboard/app.js\" defer></script></head>\n<body>\n{body}\n</body></html>\n",
        esc(title)
    )
}

fn login_page(problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| {
            format!(
                "<p class=\"problem\" role=\"alert\" id=\"login-problem\">{}</p>",
                esc(p)
            )
        })
        .unwrap_or_default();
    shell(
        "Frontline collector: sign in",
        &format!(
            "<main class=\"login\"><h1>Frontline collector</h1>\
             <p>Sign in with the collector's admin password.</p>{problem}\
             <form method=\"post\" action=\"/dashboard/login\">\
             <label for=\"password\">Admin password</label>\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\" id=\"sign-in\">Sign in</button></form></main>"
        ),
    )
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

/// One segment of a bar: count, CSS class, word for the tooltip.
type Segment = (u64, &'static str, &'static str);

/// Horizontal bars, one per row; each row is a label and its segments.
fn stacked_bars(id: &str, rows: &[(String, Vec<Segment>)]) -> String {
    let (label_w, bar_w, row_h) = (200.0, 420.0, 22.0);
    let height = row_h * rows.len().max(1) as f64 + 8.0;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {} {height}\" width=\"{}\" height=\"{height}\">",
        label_w + bar_w + 60.0,
        label_w + bar_w + 60.0
    );
    for (i, (label, segments)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let total: u64 = segments.iter().map(|s| s.0).sum();
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text>",
            y + 15.0,
            esc(label)
        );
        let mut x = label_w;
        for (n, class, word) in segments {
            if *n == 0 || total == 0 {
                continue;
            }
            let w = bar_w * *n as f64 / total as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" class=\"{class}\"><title>{} {word}: {n}</title></rect>",
                esc(label)
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"label\">{total}</text>",
            label_w + bar_w + 6.0,
            y + 15.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Completion bars against the DSPT line (95 %).
fn completion_bars(id: &str, rows: &[(String, f64)]) -> String {
    let (label_w, bar_w, row_h) = (260.0, 400.0, 22.0);
    let height = row_h * rows.len().max(1) as f64 + 24.0;
    let line_x = label_w + bar_w * DSPT_TARGET;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {} {height}\" width=\"{}\" height=\"{height}\">",
        label_w + bar_w + 60.0,
        label_w + bar_w + 60.0
    );
    for (i, (label, rate)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let class = if *rate >= DSPT_TARGET { "met" } else { "short" };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"18\" class=\"track\"></rect>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"18\" class=\"{class}\"><title>{}: {}</title></rect>\
             <text x=\"{}\" y=\"{}\" class=\"label\">{}</text>",
            y + 15.0,
            esc(label),
            bar_w * rate.clamp(0.0, 1.0),
            esc(label),
            percent(*rate),
            label_w + bar_w + 6.0,
            y + 15.0,
            percent(*rate)
        );
    }
    let bottom = height - 14.0;
    let _ = write!(
        svg,
        "<line x1=\"{line_x:.1}\" x2=\"{line_x:.1}\" y1=\"0\" y2=\"{bottom}\" class=\"dspt\"></line>\
         <text x=\"{line_x:.1}\" y=\"{}\" class=\"label dspt-label\">DSPT 95%</text>",
        height - 2.0
    );
    svg.push_str("</svg>");
    svg
}

fn table(id: &str, head: &[&str], rows: Vec<Vec<(String, Option<String>)>>) -> String {
    let mut html = format!("<table id=\"{id}\"><thead><tr>");
    for h in head {
        let _ = write!(html, "<th scope=\"col\">{}</th>", esc(h));
    }
    html.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(
            html,
            "<tr><td colspan=\"{}\" class=\"none\">None.</td></tr>",
            head.len()
        );
    }
    for row in rows {
        html.push_str("<tr>");
        for (text, figure) in row {
            match figure {
                Some(f) => {
                    let _ = write!(html, "<td data-figure=\"{}\">{}</td>", esc(&f), esc(&text));
                }
                None => {
                    let _ = write!(html, "<td>{}</td>", esc(&text));
                }
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

fn plain(text: impl Into<String>) -> (String, Option<String>) {
    (text.into(), None)
}

fn figure(text: impl ToString, name: String) -> (String, Option<String>) {
    (text.to_string(), Some(name))
}

/// The incidents section: counts, a table with the reporter's words escaped, a status form
/// per incident carrying the session's CSRF token, and the CSV link.
fn incidents_section(incidents: &[IncidentRow], csrf: &str) -> String {
    let count = |status: IncidentStatus| incidents.iter().filter(|i| i.status == status).count();
    let urgent_new = incidents
        .iter()
        .filter(|i| i.urgent && i.status == IncidentStatus::New)
        .count();
    let mut html = format!(
        "<section id=\"incidents-section\"><h2>Incidents</h2>\
         <p class=\"note\">New ones first, urgent before the rest. Reporters appear as their \
         staff pseudonyms. <a id=\"export-incidents\" href=\"/dashboard/incidents.csv\" download>Export incidents CSV</a></p>\
         <div class=\"totals\">\
         <div><span class=\"big\" data-figure=\"incidents:new\">{}</span> new \
         (<span data-figure=\"incidents:urgent-new\">{urgent_new}</span> urgent)</div>\
         <div><span class=\"big\" data-figure=\"incidents:triaged\">{}</span> triaged</div>\
         <div><span class=\"big\" data-figure=\"incidents:closed\">{}</span> closed</div></div>",
        count(IncidentStatus::New),
        count(IncidentStatus::Triaged),
        count(IncidentStatus::Closed),
    );
    html.push_str(
        "<table id=\"incidents\"><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Kind</th>\
         <th scope=\"col\">Urgent</th><th scope=\"col\">Happened</th><th scope=\"col\">Received</th>\
         <th scope=\"col\">Device</th><th scope=\"col\">Staff pseudonym</th>\
         <th scope=\"col\">For a colleague</th><th scope=\"col\">What happened</th>\
         <th scope=\"col\">Change status</th></tr></thead><tbody>",
    );
    if incidents.is_empty() {
        html.push_str("<tr><td colspan=\"10\" class=\"none\">No incidents reported.</td></tr>");
    }
    for i in incidents {
        let key = esc(&i.incident_id);
        let mut options = String::new();
        for s in [
            IncidentStatus::New,
            IncidentStatus::Triaged,
            IncidentStatus::Closed,
        ] {
            let _ = write!(
                options,
                "<option value=\"{0}\"{1}>{0}</option>",
                s.as_str(),
                if s == i.status { " selected" } else { "" }
            );
        }
        let _ = write!(
            html,
            "<tr data-incident=\"{key}\"><td data-figure=\"incident:{key}:status\">{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"description\" data-figure=\"incident:{key}:description\">{}</td>\
             <td><form method=\"post\" action=\"/dashboard/incidents/status\" class=\"status-form\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"envelope_id\" value=\"{}\">\
             <select name=\"status\" aria-label=\"New status\">{options}</select>\
             <button type=\"submit\">Save</button></form></td></tr>",
            i.status.as_str(),
            esc(&i.kind),
            if i.urgent { "urgent" } else { "" },
            esc(&i.occurred_at),
            esc(&i.received_at),
            esc(&i.device_id),
            esc(&i.staff_pseudonym),
            if i.on_behalf_of_colleague { "yes" } else { "no" },
            esc(&i.description),
            esc(csrf),
            esc(&i.envelope_id),
        );
    }
    html.push_str("</tbody></table></section>");
    html
}

fn dashboard_page(
    r: &CollectorReport,
    incidents: &[IncidentRow],
    csrf: &str,
    backend: &str,
) -> String {
    let mut body = String::new();
    let compliant = r
        .compliance_by_device
        .iter()
        .filter(|d| d.verdict == "compliant")
        .count();
    let _ = write!(
        body,
        "<header><h1>Frontline collector</h1>\
         <nav><a id=\"export-csv\" href=\"/dashboard/export.csv\" download>Export CSV</a>\
         <form method=\"post\" action=\"/dashboard/logout\"><button type=\"submit\" id=\"sign-out\">Sign out</button></form></nav></header>\
         <main><p class=\"note\">Devices and staff appear as the pseudonyms their devices sent. Store: {}.</p>\
         <section class=\"totals\">\
         <div><span class=\"big\" data-figure=\"devices\">{}</span> devices enrolled</div>\
         <div><span class=\"big\" data-figure=\"reports\">{}</span> reports stored</div>\
         <div><span class=\"big\" data-figure=\"compliant-devices\">{compliant}</span> devices compliant</div>\
         <div><span class=\"big\" data-figure=\"overdue\">{}</span> refreshers overdue</div></section>",
        esc(backend),
        r.totals.devices,
        r.totals.reports,
        r.overdue_refreshers.len()
    );
    body.push_str(&incidents_section(incidents, csrf));

    body.push_str("<section><h2>Compliance by check</h2><p class=\"note\">Each device's latest posture report.</p>");
    let rows: Vec<_> = r
        .compliance_by_check
        .iter()
        .map(|c| {
            (
                c.check_id.clone(),
                vec![
                    (c.pass, "pass", "pass"),
                    (c.warn, "warn", "warn"),
                    (c.fail, "fail", "fail"),
                    (c.unknown, "unknown", "unknown"),
                    (c.not_applicable, "na", "not applicable"),
                ],
            )
        })
        .collect();
    body.push_str(&stacked_bars("chart-checks", &rows));
    body.push_str(&table(
        "checks",
        &["Check", "Pass", "Warn", "Fail", "Unknown", "Not applicable"],
        r.compliance_by_check
            .iter()
            .map(|c| {
                let f = |what: &str| format!("check:{}:{what}", c.check_id);
                vec![
                    plain(c.check_id.clone()),
                    figure(c.pass, f("pass")),
                    figure(c.warn, f("warn")),
                    figure(c.fail, f("fail")),
                    figure(c.unknown, f("unknown")),
                    figure(c.not_applicable, f("not_applicable")),
                ]
            })
            .collect(),
    ));
    body.push_str("</section>");

    body.push_str("<section><h2>Compliance by device</h2>");
    let mut verdicts: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for d in &r.compliance_by_device {
        *verdicts.entry(d.verdict.as_str()).or_default() += 1;
    }
    let class_of = |v: &str| match v {
        "compliant" => "pass",
        "non_compliant" => "fail",
        "unknown" => "unknown",
        _ => "warn",
    };
    let rows: Vec<_> = verdicts
        .iter()
        .map(|(v, n)| ((*v).to_owned(), vec![(*n, class_of(v), "devices")]))
        .collect();
    body.push_str(&stacked_bars("chart-verdicts", &rows));
    body.push_str(
        "<label class=\"filter\">Filter devices <input type=\"search\" data-filter=\"devices\" id=\"device-filter\"></label>",
    );
    body.push_str(&table(
        "devices",
        &[
            "Device",
            "Verdict",
            "Checked at",
            "Failing checks",
            "Warnings",
            "Unknown",
        ],
        r.compliance_by_device
            .iter()
            .map(|d| {
                vec![
                    plain(d.device_id.clone()),
                    figure(d.verdict.clone(), format!("device:{}:verdict", d.device_id)),
                    plain(
                        d.checked_at
                            .clone()
                            .unwrap_or_else(|| String::from("never")),
                    ),
                    plain(d.failing.join(", ")),
                    plain(d.warnings.to_string()),
                    plain(d.unknown.to_string()),
                ]
            })
            .collect(),
    ));
    body.push_str("</section>");

    body.push_str("<section><h2>Training completion by module</h2><p class=\"note\">Staff who passed or completed each module, of the staff with any record for it, against the DSPT's 95% line.</p>");
    let rows: Vec<_> = r
        .training_by_module
        .iter()
        .map(|m| (m.module_id.clone(), m.completion_rate))
        .collect();
    body.push_str(&completion_bars("chart-modules", &rows));
    body.push_str(&table(
        "modules",
        &[
            "Module",
            "Staff",
            "Passed",
            "Completed",
            "Failed",
            "In progress",
            "Completion",
            "DSPT 95%",
        ],
        r.training_by_module
            .iter()
            .map(|m| {
                let f = |what: &str| format!("module:{}:{what}", m.module_id);
                vec![
                    plain(m.module_id.clone()),
                    figure(m.staff, f("staff")),
                    figure(m.passed, f("passed")),
                    figure(m.completed, f("completed")),
                    figure(m.failed, f("failed")),
                    figure(m.in_progress, f("in_progress")),
                    figure(percent(m.completion_rate), f("rate")),
                    figure(
                        if m.completion_rate >= DSPT_TARGET {
                            "met"
                        } else {
                            "not met"
                        },
                        f("dspt"),
                    ),
                ]
            })
            .collect(),
    ));
    body.push_str("</section>");

    body.push_str("<section><h2>Training completion by team</h2>");
    let rows: Vec<_> = r
        .training_by_team
        .iter()
        .map(|t| (format!("{} / {}", t.team, t.module_id), t.completion_rate))
        .collect();
    body.push_str(&completion_bars("chart-teams", &rows));
    body.push_str(&table(
        "teams",
        &["Team", "Module", "Staff", "Completed", "Completion"],
        r.training_by_team
            .iter()
            .map(|t| {
                let f = |what: &str| format!("team:{}:{}:{what}", t.team, t.module_id);
                vec![
                    plain(t.team.clone()),
                    plain(t.module_id.clone()),
                    figure(t.staff, f("staff")),
                    figure(t.completed, f("completed")),
                    figure(percent(t.completion_rate), f("rate")),
                ]
            })
            .collect(),
    ));
    body.push_str("</section>");

    body.push_str("<section><h2>Overdue refreshers</h2>");
    body.push_str(&table(
        "overdue",
        &[
            "Staff pseudonym",
            "Module",
            "Last completed",
            "Due",
            "Days overdue",
        ],
        r.overdue_refreshers
            .iter()
            .map(|o| {
                vec![
                    plain(o.pseudonym.clone()),
                    plain(o.module_id.clone()),
                    plain(o.last_completed_at.clone()),
                    plain(o.due_at.clone()),
                    figure(
                        o.days_overdue,
                        format!("overdue:{}:{}", o.pseudonym, o.module_id),
                    ),
                ]
            })
            .collect(),
    ));
    body.push_str("</section>");

    body.push_str("<section><h2>Advisories acknowledged</h2>");
    body.push_str(&table(
        "advisories",
        &["Advisory", "Devices acknowledged", "Latest"],
        r.advisories
            .iter()
            .map(|a| {
                vec![
                    plain(a.advisory_id.clone()),
                    figure(a.devices, format!("advisory:{}", a.advisory_id)),
                    plain(a.latest_at.clone()),
                ]
            })
            .collect(),
    ));
    body.push_str("</section></main>");
    shell("Frontline collector", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_html_are_decoded_and_escaped() {
        assert_eq!(
            form_value(b"a=1&password=p%40ss+word%21", "password").as_deref(),
            Some("p@ss word!")
        );
        assert_eq!(form_value(b"password=%zz", "password"), None);
        assert_eq!(form_value(b"other=1", "password"), None);
        assert_eq!(
            esc("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
