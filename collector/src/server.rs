//! The HTTP server: routes, limits, worker threads and a graceful stop.
//!
//! Blocking `tiny_http` with a few worker threads pulling requests from its queue. Every
//! request is bounded (body size, envelopes per batch) and every failure is an HTTP status:
//! hostile input gets a 4xx, a storage failure a 500, and the workers keep serving. A batch
//! is opened outside the database lock and stored in one transaction, committed before the
//! reply leaves, so a reply lost on the way back costs only a `duplicate` on the next try.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use frontline_core::clock::{Clock, SystemClock};
use frontline_core::crypto::{b64url, from_b64url, sha256};
use serde::Deserialize;
use serde_json::json;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::db::{Db, Enrolment, Stored};
use crate::envelope::{self, Rejection};
use crate::keys::OrgReportKey;
use crate::CollectorError;

/// Request limits (documented in `docs/collector.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Most envelopes in one batch (413 beyond).
    pub max_envelopes: usize,
    /// Largest bundle file served, in bytes.
    pub max_bundle_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_envelopes: 500,
            max_bundle_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Largest enrolment request body.
const MAX_ENROLMENT_BYTES: usize = 16 * 1024;
/// Longest device id.
const MAX_DEVICE_ID_LEN: usize = 128;
/// How often idle workers look at the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// How to run a collector.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    pub listen: SocketAddr,
    /// The SQLite database (created if missing).
    pub db_path: PathBuf,
    /// The organisation's report key (private).
    pub org_key: OrgReportKey,
    /// The token a device must present to enrol.
    pub enrolment_token: String,
    /// A directory holding signed bundle files to serve (`content.bundle`, `policy.bundle`,
    /// `advisories.bundle`, or the same names ending `.json`).
    pub bundles_dir: Option<PathBuf>,
    /// Request limits.
    pub limits: Limits,
    /// Worker threads.
    pub workers: usize,
}

impl CollectorConfig {
    /// A configuration on `127.0.0.1:0` with default limits and four workers.
    pub fn new(db_path: &Path, org_key: OrgReportKey, enrolment_token: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path: db_path.to_path_buf(),
            org_key,
            enrolment_token: enrolment_token.to_owned(),
            bundles_dir: None,
            limits: Limits::default(),
            workers: 4,
        }
    }
}

/// The collector service.
#[derive(Debug)]
pub struct Collector;

/// A collector serving in the background; [`RunningCollector::stop`] (or drop) stops it.
pub struct RunningCollector {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    server: Option<Arc<Server>>,
}

impl std::fmt::Debug for RunningCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningCollector")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Collector {
    /// Opens the database, binds the address and starts the workers.
    pub fn start(config: CollectorConfig) -> Result<RunningCollector, CollectorError> {
        let db = Db::open(&config.db_path)?;
        let server =
            Server::http(config.listen).map_err(|e| CollectorError::Bind(e.to_string()))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| CollectorError::Bind(String::from("not an IP address")))?;
        let server = Arc::new(server);
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State {
            db: Mutex::new(db),
            org_key: config.org_key,
            token_digest: sha256(config.enrolment_token.as_bytes()),
            bundles_dir: config.bundles_dir,
            limits: config.limits,
            clock: SystemClock,
        });
        let mut workers = Vec::new();
        for i in 0..config.workers.max(1) {
            let (server, stop, state) = (server.clone(), stop.clone(), state.clone());
            let handle = std::thread::Builder::new()
                .name(format!("collector-{i}"))
                .spawn(move || worker(&server, &stop, &state))
                .map_err(CollectorError::from)?;
            workers.push(handle);
        }
        log::info!("collector listening");
        Ok(RunningCollector {
            addr,
            stop,
            workers,
            server: Some(server),
        })
    }
}

impl RunningCollector {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL (`http://ADDR`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Finishes the requests in progress, stops the workers and closes the listening socket.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for handle in self.workers.drain(..) {
            if handle.join().is_err() {
                log::error!("a collector worker ended abnormally");
            }
        }
        // The last reference: dropping the server tells its accept thread to close the
        // listener. That happens a moment later, so wait (bounded) until connections are
        // refused: a stopped collector must look like a lost network at once.
        if self.server.take().is_some() {
            for _ in 0..100 {
                match std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(50)) {
                    Ok(_) => std::thread::sleep(Duration::from_millis(10)),
                    Err(_) => break,
                }
            }
        }
    }
}

impl Drop for RunningCollector {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct State {
    db: Mutex<Db>,
    org_key: OrgReportKey,
    token_digest: [u8; 32],
    bundles_dir: Option<PathBuf>,
    limits: Limits,
    clock: SystemClock,
}

fn worker(server: &Server, stop: &AtomicBool, state: &State) {
    while !stop.load(Ordering::SeqCst) {
        match server.recv_timeout(POLL) {
            Ok(Some(request)) => handle(request, state),
            Ok(None) => {}
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// An answer: status, JSON or raw body, extra headers.
struct Reply {
    status: u16,
    body: Vec<u8>,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, value: serde_json::Value) -> Self {
        Self {
            status,
            body: value.to_string().into_bytes(),
            content_type: "application/json",
            headers: Vec::new(),
        }
    }

    fn error(status: u16, error: &str) -> Self {
        Self::json(status, json!({ "error": error }))
    }
}

fn handle(mut request: Request, state: &State) {
    let reply = route(&mut request, state).unwrap_or_else(|e| {
        log::error!("request failed: {e}");
        Reply::error(500, "internal")
    });
    let mut response = Response::from_data(reply.body).with_status_code(reply.status);
    let mut headers = vec![("Content-Type", reply.content_type.to_owned())];
    headers.extend(reply.headers);
    for (name, value) in headers {
        if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    if request.respond(response).is_err() {
        log::debug!("a reply could not be sent (client gone)");
    }
}

fn route(request: &mut Request, state: &State) -> Result<Reply, CollectorError> {
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let method = request.method().clone();
    match (method, path.as_str()) {
        (Method::Get, "/v1/health") => Ok(Reply::json(200, json!({"status": "ok"}))),
        (Method::Post, "/v1/devices") => enrol(request, state),
        (Method::Post, "/v1/envelopes") => envelopes(request, state),
        (Method::Get, p) if p.starts_with("/v1/bundles/") => {
            bundle(request, state, &p["/v1/bundles/".len()..])
        }
        (_, "/v1/health" | "/v1/devices" | "/v1/envelopes") => {
            Ok(Reply::error(405, "method_not_allowed"))
        }
        _ => Ok(Reply::error(404, "not_found")),
    }
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Reads the body, or the reply to send if it is too large or unreadable.
fn read_body(request: &mut Request, limit: usize) -> Result<Vec<u8>, Reply> {
    if request.body_length().is_some_and(|n| n > limit) {
        return Err(Reply::error(413, "body_too_large"));
    }
    let mut body = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    if request
        .as_reader()
        .take(cap)
        .read_to_end(&mut body)
        .is_err()
    {
        return Err(Reply::error(400, "unreadable_body"));
    }
    if body.len() > limit {
        return Err(Reply::error(413, "body_too_large"));
    }
    Ok(body)
}

#[derive(Deserialize)]
struct EnrolmentRequest {
    device_id: String,
    public_key: String,
    enrolment_token: String,
}

fn valid_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_DEVICE_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn enrol(request: &mut Request, state: &State) -> Result<Reply, CollectorError> {
    let body = match read_body(request, MAX_ENROLMENT_BYTES) {
        Ok(b) => b,
        Err(reply) => return Ok(reply),
    };
    let Ok(req) = serde_json::from_slice::<EnrolmentRequest>(&body) else {
        return Ok(Reply::error(400, "malformed"));
    };
    // Compare digests so the comparison takes the same time whatever the token.
    let given = sha256(req.enrolment_token.as_bytes());
    let diff = given
        .iter()
        .zip(state.token_digest.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff != 0 {
        log::warn!("enrolment refused: bad token");
        return Ok(Reply::error(401, "bad_enrolment_token"));
    }
    let key = match from_b64url(&req.public_key) {
        Ok(k) if k.len() == 32 => k,
        _ => return Ok(Reply::error(400, "malformed")),
    };
    if !valid_device_id(&req.device_id) {
        return Ok(Reply::error(400, "malformed"));
    }
    let now = state.clock.now_ms();
    let outcome = lock(&state.db)?.enrol(&req.device_id, &key, now)?;
    Ok(match outcome {
        Enrolment::Enrolled | Enrolment::AlreadyEnrolled => {
            if outcome == Enrolment::Enrolled {
                log::info!("a device enrolled");
            }
            Reply::json(
                200,
                json!({"device_id": req.device_id, "status": "enrolled"}),
            )
        }
        Enrolment::Conflict => Reply::error(409, "device_enrolled_with_another_key"),
    })
}

fn lock(db: &Mutex<Db>) -> Result<std::sync::MutexGuard<'_, Db>, CollectorError> {
    db.lock()
        .map_err(|_| CollectorError::Storage(String::from("lock poisoned")))
}

fn envelopes(request: &mut Request, state: &State) -> Result<Reply, CollectorError> {
    let Some(device_id) = header(request, "X-Frontline-Device").map(str::to_owned) else {
        return Ok(Reply::error(400, "missing_device_header"));
    };
    let body = match read_body(request, state.limits.max_body_bytes) {
        Ok(b) => b,
        Err(reply) => return Ok(reply),
    };
    let device_key = if valid_device_id(&device_id) {
        lock(&state.db)?.device_key(&device_id)?
    } else {
        None
    };
    let Some(device_key) = device_key else {
        return Ok(Reply::error(401, "unknown_device"));
    };
    let Ok(batch) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return Ok(Reply::error(400, "malformed"));
    };
    let Some(items) = batch.get("envelopes").and_then(|v| v.as_array()) else {
        return Ok(Reply::error(400, "malformed"));
    };
    if items.len() > state.limits.max_envelopes {
        return Ok(Reply::error(413, "too_many_envelopes"));
    }
    // Open everything outside the database lock.
    let mut results: Vec<(String, Result<usize, Rejection>)> = Vec::with_capacity(items.len());
    let mut opened = Vec::new();
    for item in items {
        match envelope::open(item, &device_id, &device_key, &state.org_key) {
            Ok(report) => {
                results.push((report.id.clone(), Ok(opened.len())));
                opened.push(report);
            }
            Err(reason) => results.push((envelope::item_id(item), Err(reason))),
        }
    }
    let stored = if opened.is_empty() {
        Vec::new()
    } else {
        let now = state.clock.now_ms();
        lock(&state.db)?.store_batch(&opened, now)?
    };
    let (mut accepted, mut duplicate, mut rejected) = (0usize, 0usize, 0usize);
    let answers: Vec<serde_json::Value> = results
        .into_iter()
        .map(|(id, outcome)| match outcome {
            Ok(i) => match stored.get(i) {
                Some(Stored::Accepted) => {
                    accepted += 1;
                    json!({"id": id, "status": "accepted"})
                }
                _ => {
                    duplicate += 1;
                    json!({"id": id, "status": "duplicate"})
                }
            },
            Err(reason) => {
                rejected += 1;
                json!({"id": id, "status": "rejected", "reason": reason.as_str()})
            }
        })
        .collect();
    log::info!("batch: {accepted} accepted, {duplicate} duplicate, {rejected} rejected");
    Ok(Reply::json(200, json!({ "results": answers })))
}

const BUNDLE_KINDS: [&str; 3] = ["content", "policy", "advisories"];

fn bundle(request: &Request, state: &State, kind: &str) -> Result<Reply, CollectorError> {
    if !BUNDLE_KINDS.contains(&kind) {
        return Ok(Reply::error(404, "not_found"));
    }
    let Some(dir) = state.bundles_dir.as_ref() else {
        return Ok(Reply::error(404, "no_bundle"));
    };
    let file = ["bundle", "json"]
        .iter()
        .map(|ext| dir.join(format!("{kind}.{ext}")))
        .find(|p| p.is_file());
    let Some(file) = file else {
        return Ok(Reply::error(404, "no_bundle"));
    };
    if std::fs::metadata(&file)?.len() > state.limits.max_bundle_bytes {
        log::error!("a bundle file is larger than the serving limit");
        return Ok(Reply::error(500, "bundle_too_large"));
    }
    let bytes = std::fs::read(&file)?;
    let etag = format!("\"{}\"", b64url(&sha256(&bytes)));
    let matches = header(request, "If-None-Match").is_some_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag.as_str()))
    });
    let headers = vec![("ETag", etag)];
    if matches {
        return Ok(Reply {
            status: 304,
            body: Vec::new(),
            content_type: "application/json",
            headers,
        });
    }
    Ok(Reply {
        status: 200,
        body: bytes,
        content_type: if file.extension().is_some_and(|e| e == "json") {
            "application/json"
        } else {
            "application/octet-stream"
        },
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::EnvelopeSealer;
    use frontline_core::crypto::SigningKey;

    fn agent() -> Client {
        Client
    }

    /// A minimal HTTP/1.1 client over std so the unit tests need no HTTP dependency.
    struct Client;

    impl Client {
        fn send(
            &self,
            addr: SocketAddr,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            body: &[u8],
        ) -> (u16, Vec<(String, String)>, Vec<u8>) {
            use std::io::Write;
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            s.write_all(head.as_bytes()).unwrap();
            let _ = s.write_all(body);
            let mut raw = Vec::new();
            s.read_to_end(&mut raw).unwrap();
            let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = String::from_utf8_lossy(&raw[..split]).to_string();
            let mut lines = head.lines();
            let status: u16 = lines
                .next()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            (status, headers, raw[split + 4..].to_vec())
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        running: RunningCollector,
        sealer: EnvelopeSealer,
        org: OrgReportKey,
    }

    fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let org = OrgReportKey::generate().unwrap();
        let mut config = CollectorConfig::new(&dir.path().join("c.db"), org.clone(), "tok");
        config.bundles_dir = Some(dir.path().to_path_buf());
        config.limits.max_envelopes = 10;
        let running = Collector::start(config).unwrap();
        let device = SigningKey::generate().unwrap();
        let sealer = EnvelopeSealer::new("dev-1", device.seed(), org.public_key()).unwrap();
        Fixture {
            _dir: dir,
            running,
            sealer,
            org,
        }
    }

    fn enrol_body(device: &str, key: &[u8], token: &str) -> Vec<u8> {
        json!({"device_id": device, "public_key": b64url(key), "enrolment_token": token})
            .to_string()
            .into_bytes()
    }

    fn post_batch(
        f: &Fixture,
        device: &str,
        envs: &[serde_json::Value],
    ) -> (u16, serde_json::Value) {
        let body = json!({ "envelopes": envs }).to_string();
        let (status, _, body) = agent().send(
            f.running.addr(),
            "POST",
            "/v1/envelopes",
            &[
                ("X-Frontline-Device", device),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        );
        (status, serde_json::from_slice(&body).unwrap_or(json!(null)))
    }

    #[test]
    fn enrol_deliver_dedupe_and_keep_serving() {
        let f = start();
        let addr = f.running.addr();
        let c = agent();
        assert_eq!(c.send(addr, "GET", "/v1/health", &[], b"").0, 200);
        let key = f.sealer.device_public_key();
        let (s, _, _) = c.send(
            addr,
            "POST",
            "/v1/devices",
            &[],
            &enrol_body("dev-1", &key, "bad"),
        );
        assert_eq!(s, 401);
        let (s, _, _) = c.send(
            addr,
            "POST",
            "/v1/devices",
            &[],
            &enrol_body("dev-1", &key, "tok"),
        );
        assert_eq!(s, 200);
        let (s, _, _) = c.send(
            addr,
            "POST",
            "/v1/devices",
            &[],
            &enrol_body("dev-1", &key, "tok"),
        );
        assert_eq!(s, 200, "enrolment is idempotent");
        let (s, _, _) = c.send(
            addr,
            "POST",
            "/v1/devices",
            &[],
            &enrol_body("dev-1", &[3; 32], "tok"),
        );
        assert_eq!(s, 409);

        let a = f
            .sealer
            .seal("posture_report", &json!({"overall": "compliant"}));
        let b = f.sealer.seal("training_statement", &json!({}));
        let (s, reply) = post_batch(&f, "dev-1", &[a.clone(), b.clone(), a.clone()]);
        assert_eq!(s, 200);
        let statuses: Vec<&str> = reply["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["accepted", "accepted", "duplicate"]);
        assert_eq!(reply["results"][0]["id"], a["id"]);
        let (_, reply) = post_batch(&f, "dev-1", &[b]);
        assert_eq!(reply["results"][0]["status"], "duplicate");

        // Hostile input: each refused, nothing stored, still serving.
        assert_eq!(post_batch(&f, "dev-9", std::slice::from_ref(&a)).0, 401);
        let (s, _, _) = c.send(
            addr,
            "POST",
            "/v1/envelopes",
            &[("X-Frontline-Device", "dev-1")],
            b"{nope",
        );
        assert_eq!(s, 400);
        let (s, _, _) = c.send(addr, "POST", "/v1/envelopes", &[], b"{}");
        assert_eq!(s, 400);
        let too_many: Vec<_> = (0..11).map(|_| a.clone()).collect();
        assert_eq!(post_batch(&f, "dev-1", &too_many).0, 413);
        let big = vec![b'x'; 1024 * 1024 + 1];
        let (s, _, _) = c.send(
            addr,
            "POST",
            "/v1/envelopes",
            &[("X-Frontline-Device", "dev-1")],
            &big,
        );
        assert_eq!(s, 413);
        let other = OrgReportKey::generate().unwrap();
        let device = SigningKey::generate().unwrap();
        let stranger = EnvelopeSealer::new("dev-1", device.seed(), other.public_key()).unwrap();
        let (_, reply) = post_batch(&f, "dev-1", &[stranger.seal("posture_report", &json!({}))]);
        assert_eq!(reply["results"][0]["reason"], "wrong_key");
        let forged = EnvelopeSealer::new("dev-1", device.seed(), f.org.public_key()).unwrap();
        let (_, reply) = post_batch(&f, "dev-1", &[forged.seal("posture_report", &json!({}))]);
        assert_eq!(reply["results"][0]["reason"], "bad_signature");
        assert_eq!(c.send(addr, "GET", "/v1/nothing", &[], b"").0, 404);
        assert_eq!(c.send(addr, "DELETE", "/v1/envelopes", &[], b"").0, 405);
        assert_eq!(c.send(addr, "GET", "/v1/health", &[], b"").0, 200);

        let db = Db::open(&f._dir.path().join("c.db")).unwrap();
        assert_eq!(db.report_count().unwrap(), 2);
    }

    #[test]
    fn bundles_are_served_with_etags() {
        let f = start();
        let addr = f.running.addr();
        let c = agent();
        assert_eq!(c.send(addr, "GET", "/v1/bundles/policy", &[], b"").0, 404);
        assert_eq!(c.send(addr, "GET", "/v1/bundles/../c.db", &[], b"").0, 404);
        std::fs::write(f._dir.path().join("policy.bundle"), b"signed policy").unwrap();
        let (s, headers, body) = c.send(addr, "GET", "/v1/bundles/policy", &[], b"");
        assert_eq!((s, body.as_slice()), (200, &b"signed policy"[..]));
        let etag = headers.iter().find(|(k, _)| k == "etag").unwrap().1.clone();
        let (s, _, body) = c.send(
            addr,
            "GET",
            "/v1/bundles/policy",
            &[("If-None-Match", &etag)],
            b"",
        );
        assert_eq!((s, body.len()), (304, 0));
        std::fs::write(f._dir.path().join("policy.bundle"), b"signed policy v2").unwrap();
        let (s, _, _) = c.send(
            addr,
            "GET",
            "/v1/bundles/policy",
            &[("If-None-Match", &etag)],
            b"",
        );
        assert_eq!(s, 200);
    }

    #[test]
    fn stop_closes_the_port_and_a_restart_keeps_the_data() {
        let f = start();
        let addr = f.running.addr();
        let key = f.sealer.device_public_key();
        let c = agent();
        assert_eq!(
            c.send(
                addr,
                "POST",
                "/v1/devices",
                &[],
                &enrol_body("dev-1", &key, "tok")
            )
            .0,
            200
        );
        let Fixture {
            _dir,
            running,
            sealer,
            org,
        } = f;
        running.stop();
        assert!(std::net::TcpStream::connect(addr).is_err());
        let mut config = CollectorConfig::new(&_dir.path().join("c.db"), org.clone(), "tok");
        config.listen = addr;
        let running = Collector::start(config).unwrap();
        let f = Fixture {
            _dir,
            running,
            sealer,
            org,
        };
        let (s, reply) = post_batch(&f, "dev-1", &[f.sealer.seal("advisory_ack", &json!({}))]);
        assert_eq!(
            (s, reply["results"][0]["status"].as_str()),
            (200, Some("accepted"))
        );
    }
}
