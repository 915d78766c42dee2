//! The HTTP server: hyper (HTTP/1.1) on a tokio runtime of its own, routes, limits and a
//! graceful stop.
//!
//! Every request is bounded in size and in time, and every failure is an HTTP status:
//!
//! * **Connections**: at most `max_connections` at once; one more is answered `503` with
//!   `Retry-After` at once and closed. Headers must arrive within `header_timeout` (hyper's
//!   header read time-out), and a TLS handshake within the same time.
//! * **Bodies**: refused with `413` from `Content-Length` before reading, or while reading;
//!   a body that has not fully arrived within `body_timeout` is answered `408` and the
//!   connection closed. A slow client costs a parked task and a socket, never a worker.
//! * **Work**: opening envelopes and the store run on blocking threads, at most
//!   `max_in_flight` at once. A request that cannot get a slot within `queue_wait` is
//!   answered `503` with `Retry-After` (the device's sync engine waits that long), so load
//!   beyond capacity turns into quick refusals, not an unbounded queue.
//! * `Upgrade` (such as the JDK client's `h2c` offer) is ignored: the request is answered
//!   over HTTP/1.1 as if the header were absent.
//! * **Stop**: the listener closes at once (a stopped collector looks like a lost network),
//!   requests in progress finish, idle keep-alive connections close; anything still open
//!   after `shutdown_grace` is dropped.
//!
//! A batch is opened outside the store and stored in one transaction, committed before the
//! reply leaves, so a reply lost on the way back costs only a `duplicate` on the next try.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use frontline_core::clock::{Clock, SystemClock};
use frontline_core::crypto::{b64url, from_b64url, sha256};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::sync::{watch, Semaphore};

use crate::dashboard::{self, DashboardConfig};
use crate::db::{Enrolment, Stored};
use crate::envelope::{self, Rejection};
use crate::keys::OrgReportKey;
use crate::store::{Store, StoreConfig};
use crate::tls::TlsFiles;
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
    /// Time for a request's headers (and a TLS handshake) to arrive.
    pub header_timeout: Duration,
    /// Time for a request's body to arrive once its headers have (408 beyond).
    pub body_timeout: Duration,
    /// Open connections at once (503 and close beyond).
    pub max_connections: usize,
    /// Requests being worked on at once (opening envelopes, the store).
    pub max_in_flight: usize,
    /// How long a request waits for a work slot before it is answered 503.
    pub queue_wait: Duration,
    /// The `Retry-After` sent with 503, in seconds.
    pub retry_after_secs: u32,
    /// How long a stop waits for requests in progress.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_envelopes: 500,
            max_bundle_bytes: 32 * 1024 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            max_connections: 1024,
            max_in_flight: 32,
            queue_wait: Duration::from_secs(2),
            retry_after_secs: 5,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Largest enrolment request body.
const MAX_ENROLMENT_BYTES: usize = 16 * 1024;
/// Largest dashboard form body.
const MAX_FORM_BYTES: usize = 4 * 1024;
/// Longest device id.
const MAX_DEVICE_ID_LEN: usize = 128;

/// How to run a collector.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    pub listen: SocketAddr,
    /// The store: a SQLite file (the default) or a PostgreSQL database.
    pub store: StoreConfig,
    /// The organisation's report key (private).
    pub org_key: OrgReportKey,
    /// The token a device must present to enrol.
    pub enrolment_token: String,
    /// A directory holding signed bundle files to serve (`content.bundle`, `policy.bundle`,
    /// `advisories.bundle`, or the same names ending `.json`).
    pub bundles_dir: Option<PathBuf>,
    /// Request limits.
    pub limits: Limits,
    /// Async worker threads (the blocking work has its own pool, `limits.max_in_flight`).
    pub workers: usize,
    /// Terminate TLS with this certificate and key (PEM); plain HTTP when `None`.
    pub tls: Option<TlsFiles>,
    /// The IT dashboard at `/dashboard`; off (404) when `None`.
    pub dashboard: Option<DashboardConfig>,
}

impl CollectorConfig {
    /// A configuration on `127.0.0.1:0` with a SQLite store at `db_path`, default limits,
    /// two async workers, plain HTTP and no dashboard.
    pub fn new(db_path: &Path, org_key: OrgReportKey, enrolment_token: &str) -> Self {
        Self::with_store(StoreConfig::sqlite(db_path), org_key, enrolment_token)
    }

    /// The same with any store.
    pub fn with_store(store: StoreConfig, org_key: OrgReportKey, enrolment_token: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            store,
            org_key,
            enrolment_token: enrolment_token.to_owned(),
            bundles_dir: None,
            limits: Limits::default(),
            workers: 2,
            tls: None,
            dashboard: None,
        }
    }
}

/// The collector service.
#[derive(Debug)]
pub struct Collector;

/// A collector serving in the background; [`RunningCollector::stop`] (or drop) stops it.
pub struct RunningCollector {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningCollector")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

pub(crate) struct State {
    pub(crate) store: Store,
    org_key: OrgReportKey,
    token_digest: [u8; 32],
    bundles_dir: Option<PathBuf>,
    pub(crate) limits: Limits,
    clock: SystemClock,
    in_flight: Arc<Semaphore>,
    pub(crate) dashboard: Option<dashboard::Dashboard>,
    /// Enrolled devices' keys already read from the store. A device's key never changes once
    /// enrolled (another key is refused, `409`) and nothing removes a device, so a key read
    /// once stays right in every collector process; this saves a store round trip per batch.
    known_keys: std::sync::RwLock<std::collections::HashMap<String, Vec<u8>>>,
}

/// Most device keys [`State::device_key`] keeps (a trust has up to ~20,000 devices); when
/// full it starts again empty.
const MAX_KNOWN_KEYS: usize = 100_000;

impl State {
    /// The enrolled key of `device_id`, from memory after the first time.
    fn device_key(&self, device_id: &str) -> Result<Option<Vec<u8>>, CollectorError> {
        if let Ok(known) = self.known_keys.read() {
            if let Some(key) = known.get(device_id) {
                return Ok(Some(key.clone()));
            }
        }
        let key = self.store.device_key(device_id)?;
        if let (Some(key), Ok(mut known)) = (&key, self.known_keys.write()) {
            if known.len() >= MAX_KNOWN_KEYS {
                known.clear();
            }
            known.insert(device_id.to_owned(), key.clone());
        }
        Ok(key)
    }
}

impl Collector {
    /// Opens the store (migrating it), binds the address and starts serving.
    pub fn start(config: CollectorConfig) -> Result<RunningCollector, CollectorError> {
        let store = Store::open(&config.store)?;
        let tls = config.tls.as_ref().map(crate::tls::acceptor).transpose()?;
        let listener = std::net::TcpListener::bind(config.listen)
            .map_err(|e| CollectorError::Bind(e.kind().to_string()))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let limits = config.limits;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.workers.max(1))
            .max_blocking_threads(limits.max_in_flight.max(1) + 4)
            .thread_name("collector")
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let dashboard = config
            .dashboard
            .as_ref()
            .map(|d| dashboard::Dashboard::new(d, &config.org_key));
        let state = Arc::new(State {
            store,
            token_digest: sha256(config.enrolment_token.as_bytes()),
            org_key: config.org_key,
            bundles_dir: config.bundles_dir,
            limits,
            clock: SystemClock,
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            dashboard,
            known_keys: std::sync::RwLock::new(std::collections::HashMap::new()),
        });
        let (stop, stopped) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name(String::from("collector-main"))
            .spawn(move || {
                // This reference outlives the runtime, so the store (and a PostgreSQL pool,
                // whose connections block when closed) is dropped outside async code.
                let keep = state.clone();
                runtime.block_on(serve(listener, tls, state, stopped));
                runtime.shutdown_timeout(Duration::from_secs(1));
                drop(keep);
            })?;
        log::info!("collector listening");
        Ok(RunningCollector {
            addr,
            tls: config.tls.is_some(),
            stop,
            thread: Some(thread),
        })
    }
}

impl RunningCollector {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL (`http://ADDR`, or `https://ADDR` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Closes the listener at once, lets requests in progress finish (up to the grace
    /// period) and returns when everything has stopped.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Blocks until the collector stops (for `collector serve`: it never does by itself).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("the collector ended abnormally");
            }
        }
    }

    /// Serves until Ctrl-C (SIGINT) or SIGTERM, then stops gracefully.
    pub fn wait_for_signal(self) {
        let waiter = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build();
        match waiter {
            Ok(rt) => rt.block_on(async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    match signal(SignalKind::terminate()) {
                        Ok(mut term) => {
                            tokio::select! {
                                _ = tokio::signal::ctrl_c() => {},
                                _ = term.recv() => {},
                            }
                        }
                        Err(_) => {
                            let _ = tokio::signal::ctrl_c().await;
                        }
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }),
            Err(_) => {
                log::error!("cannot wait for a stop signal; serving until killed");
                self.wait();
                return;
            }
        }
        log::info!("collector stopping");
        self.stop();
    }

    fn shutdown(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("the collector ended abnormally");
            }
        }
    }
}

impl Drop for RunningCollector {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
) {
    let limits = state.limits;
    let max_connections = limits.max_connections.max(1);
    let connections = Arc::new(Semaphore::new(max_connections));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors or a connection reset before accept: pause, go on.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream, limits.retry_after_secs));
            continue;
        };
        let (state, tls, stop) = (state.clone(), tls.clone(), stop.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => connection(TokioIo::new(stream), state, stop).await,
                Some(acceptor) => {
                    match tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => connection(TokioIo::new(stream), state, stop).await,
                        _ => log::debug!("a TLS handshake failed or timed out"),
                    }
                }
            }
        });
    }
    // The listener closes here: new connections are refused from now on.
    drop(listener);
    // Wait for the open connections (each finishes its request, idle ones close).
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, connections.acquire_many(all))
        .await
        .is_err()
    {
        log::warn!("collector stopped with connections still open after the grace period");
    }
}

/// Answers `503` without reading the request and closes: too many connections.
async fn refuse_busy(mut stream: tokio::net::TcpStream, retry_after: u32) {
    let body = r#"{"error":"busy"}"#;
    let reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {retry_after}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

async fn connection<I>(io: TokioIo<I>, state: Arc<State>, mut stop: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service_state = state.clone();
    let service = hyper::service::service_fn(move |request| {
        let state = service_state.clone();
        async move { Ok::<_, Infallible>(handle(request, &state).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(state.limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(64 * 1024);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    if *stop.borrow() {
        conn.as_mut().graceful_shutdown();
    }
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if result.is_err() {
        log::debug!("a connection ended with an error (client gone, time-out or bad request)");
    }
}

/// An answer: status, body, content type, extra headers.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn json(status: u16, value: serde_json::Value) -> Self {
        Self {
            status,
            body: value.to_string().into_bytes(),
            content_type: "application/json",
            headers: Vec::new(),
        }
    }

    pub(crate) fn error(status: u16, error: &str) -> Self {
        Self::json(status, json!({ "error": error }))
    }

    /// This answer closes the connection (the rest of the request was not read).
    pub(crate) fn closing(mut self) -> Self {
        self.headers.push(("Connection", String::from("close")));
        self
    }

    fn busy(retry_after: u32) -> Self {
        let mut reply = Self::error(503, "busy");
        reply.headers.push(("Retry-After", retry_after.to_string()));
        reply
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        response
    }
}

async fn handle(request: Request<Incoming>, state: &Arc<State>) -> Response<Full<Bytes>> {
    route(request, state).await.into_response()
}

/// The parts of a request a route needs, its body already read.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

async fn route(request: Request<Incoming>, state: &Arc<State>) -> Reply {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let limit = match (&method, path.as_str()) {
        (&Method::GET, "/v1/health") => return Reply::json(200, json!({"status": "ok"})),
        (&Method::POST, "/v1/devices") => MAX_ENROLMENT_BYTES,
        (&Method::POST, "/v1/envelopes") => state.limits.max_body_bytes,
        (&Method::GET, p) if p.starts_with("/v1/bundles/") => 0,
        (_, "/v1/health" | "/v1/devices" | "/v1/envelopes") => {
            return Reply::error(405, "method_not_allowed")
        }
        (_, p) if p == "/dashboard" || p.starts_with("/dashboard/") => {
            if state.dashboard.is_none() {
                return Reply::error(404, "not_found");
            }
            MAX_FORM_BYTES
        }
        _ => return Reply::error(404, "not_found"),
    };
    if path == "/v1/envelopes" && !request.headers().contains_key("x-frontline-device") {
        return Reply::error(400, "missing_device_header");
    }
    let (parts, body) = request.into_parts();
    let body = match read_body(body, limit, state.limits.body_timeout).await {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let incoming = Req {
        method,
        path,
        headers: parts.headers,
        body,
    };
    // The work itself: on a blocking thread, within the in-flight bound.
    let permit = match tokio::time::timeout(
        state.limits.queue_wait,
        state.in_flight.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        _ => return Reply::busy(state.limits.retry_after_secs),
    };
    let worker_state = state.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&incoming, &worker_state)
    })
    .await;
    match outcome {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => {
            log::error!("request failed: {e}");
            Reply::error(500, "internal")
        }
        Err(_) => {
            log::error!("a request handler ended abnormally");
            Reply::error(500, "internal")
        }
    }
}

fn work(request: &Req, state: &State) -> Result<Reply, CollectorError> {
    match request.path.as_str() {
        "/v1/devices" => enrol(&request.body, state),
        "/v1/envelopes" => envelopes(request, state),
        p if p.starts_with("/v1/bundles/") => bundle(request, state, &p["/v1/bundles/".len()..]),
        _ => match state.dashboard.as_ref() {
            Some(d) => d.route(request, state),
            None => Ok(Reply::error(404, "not_found")),
        },
    }
}

pub(crate) fn header<'a>(request: &'a Req, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// How much of a too-large body is read and thrown away before answering `413`, so a client
/// that sends its whole body before reading the answer still gets it (a lingering close).
const DRAIN_BYTES: u64 = 8 * 1024 * 1024;

/// Reads the body within the size limit and the time-out, or the reply to send.
async fn read_body(mut body: Incoming, limit: usize, timeout: Duration) -> Result<Bytes, Reply> {
    let limit = limit as u64;
    let deadline = tokio::time::Instant::now() + timeout;
    let declared = body.size_hint().lower();
    let mut too_large = declared > limit;
    if declared > limit + DRAIN_BYTES {
        return Err(Reply::error(413, "body_too_large").closing());
    }
    let mut buf = Vec::with_capacity(usize::try_from(declared.min(limit)).unwrap_or(0));
    let mut total: u64 = 0;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                log::warn!("a request body did not arrive in time");
                return Err(Reply::error(408, "body_timeout").closing());
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(Reply::error(400, "unreadable_body").closing()),
            Ok(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                total += data.len() as u64;
                too_large |= total > limit;
                if too_large {
                    if total > limit + DRAIN_BYTES {
                        break;
                    }
                    continue;
                }
                buf.extend_from_slice(&data);
            }
        }
    }
    if too_large {
        return Err(Reply::error(413, "body_too_large").closing());
    }
    Ok(Bytes::from(buf))
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

/// Compares digests so the comparison takes the same time whatever the secret.
pub(crate) fn same_digest(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn enrol(body: &[u8], state: &State) -> Result<Reply, CollectorError> {
    let Ok(req) = serde_json::from_slice::<EnrolmentRequest>(body) else {
        return Ok(Reply::error(400, "malformed"));
    };
    if !same_digest(&sha256(req.enrolment_token.as_bytes()), &state.token_digest) {
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
    let outcome = state.store.enrol(&req.device_id, &key, now)?;
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

fn envelopes(request: &Req, state: &State) -> Result<Reply, CollectorError> {
    let Some(device_id) = header(request, "X-Frontline-Device").map(str::to_owned) else {
        return Ok(Reply::error(400, "missing_device_header"));
    };
    let device_key = if valid_device_id(&device_id) {
        state.device_key(&device_id)?
    } else {
        None
    };
    let Some(device_key) = device_key else {
        return Ok(Reply::error(401, "unknown_device"));
    };
    let Ok(batch) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
        return Ok(Reply::error(400, "malformed"));
    };
    let Some(items) = batch.get("envelopes").and_then(|v| v.as_array()) else {
        return Ok(Reply::error(400, "malformed"));
    };
    if items.len() > state.limits.max_envelopes {
        return Ok(Reply::error(413, "too_many_envelopes"));
    }
    // Open everything before touching the store.
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
        state.store.store_batch(&opened, state.clock.now_ms())?
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

/// Every bundle kind a device pulls (`BundleKind` in the core), the assessment and the
/// organisation's benchmark (ADR 0142) included.
const BUNDLE_KINDS: [&str; 5] = ["content", "policy", "advisories", "assessment", "benchmark"];

fn bundle(request: &Req, state: &State, kind: &str) -> Result<Reply, CollectorError> {
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
    use crate::testing::{test_stores, EnvelopeSealer};
    use frontline_core::crypto::SigningKey;
    use std::io::{Read, Write};

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
        store: StoreConfig,
        running: RunningCollector,
        sealer: EnvelopeSealer,
        org: OrgReportKey,
    }

    /// One fixture per store under test (SQLite, and PostgreSQL when configured).
    fn fixtures() -> Vec<Fixture> {
        fixtures_with(|_| {})
    }

    /// The same, each collector configured by `edit`.
    fn fixtures_with(edit: impl Fn(&mut CollectorConfig)) -> Vec<Fixture> {
        let probe = tempfile::tempdir().unwrap();
        let kinds = test_stores(probe.path());
        kinds
            .into_iter()
            .map(|store| {
                let dir = tempfile::tempdir().unwrap();
                let store = match store {
                    StoreConfig::Sqlite(_) => StoreConfig::sqlite(&dir.path().join("c.db")),
                    pg => pg,
                };
                start_with(dir, store, &edit)
            })
            .collect()
    }

    fn start_with(
        dir: tempfile::TempDir,
        store: StoreConfig,
        edit: impl FnOnce(&mut CollectorConfig),
    ) -> Fixture {
        let org = OrgReportKey::generate().unwrap();
        let mut config = CollectorConfig::with_store(store.clone(), org.clone(), "tok");
        config.bundles_dir = Some(dir.path().to_path_buf());
        config.limits.max_envelopes = 10;
        edit(&mut config);
        let running = Collector::start(config).unwrap();
        let device = SigningKey::generate().unwrap();
        let sealer = EnvelopeSealer::new("dev-1", device.seed(), org.public_key()).unwrap();
        Fixture {
            _dir: dir,
            store,
            running,
            sealer,
            org,
        }
    }

    fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreConfig::sqlite(&dir.path().join("c.db"));
        start_with(dir, store, |_| {})
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
        for f in fixtures() {
            enrol_deliver_dedupe_and_keep_serving_on(&f);
        }
    }

    fn enrol_deliver_dedupe_and_keep_serving_on(f: &Fixture) {
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
        let (s, reply) = post_batch(f, "dev-1", &[a.clone(), b.clone(), a.clone()]);
        assert_eq!(s, 200);
        let statuses: Vec<&str> = reply["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["accepted", "accepted", "duplicate"]);
        assert_eq!(reply["results"][0]["id"], a["id"]);
        let (_, reply) = post_batch(f, "dev-1", &[b]);
        assert_eq!(reply["results"][0]["status"], "duplicate");

        // Hostile input: each refused, nothing stored, still serving.
        assert_eq!(post_batch(f, "dev-9", std::slice::from_ref(&a)).0, 401);
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
        assert_eq!(post_batch(f, "dev-1", &too_many).0, 413);
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
        let (_, reply) = post_batch(f, "dev-1", &[stranger.seal("posture_report", &json!({}))]);
        assert_eq!(reply["results"][0]["reason"], "wrong_key");
        let forged = EnvelopeSealer::new("dev-1", device.seed(), f.org.public_key()).unwrap();
        let (_, reply) = post_batch(f, "dev-1", &[forged.seal("posture_report", &json!({}))]);
        assert_eq!(reply["results"][0]["reason"], "bad_signature");
        assert_eq!(c.send(addr, "GET", "/v1/nothing", &[], b"").0, 404);
        assert_eq!(c.send(addr, "DELETE", "/v1/envelopes", &[], b"").0, 405);
        assert_eq!(c.send(addr, "GET", "/v1/health", &[], b"").0, 200);

        let store = Store::open(&f.store).unwrap();
        assert_eq!(store.report_count().unwrap(), 2, "on {}", store.backend());
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
        // The benchmark `frontline collector benchmark` signs is served the same way.
        std::fs::write(f._dir.path().join("benchmark.bundle"), b"signed benchmark").unwrap();
        let (s, _, body) = c.send(addr, "GET", "/v1/bundles/benchmark", &[], b"");
        assert_eq!((s, body.as_slice()), (200, &b"signed benchmark"[..]));
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
            store,
            running,
            sealer,
            org,
        } = f;
        running.stop();
        assert!(std::net::TcpStream::connect(addr).is_err());
        let mut config = CollectorConfig::with_store(store.clone(), org.clone(), "tok");
        config.listen = addr;
        let running = Collector::start(config).unwrap();
        let f = Fixture {
            _dir,
            store,
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

    /// Reads one HTTP/1.1 response (head and a Content-Length body) from `r`.
    fn read_response(r: &mut impl std::io::BufRead) -> Option<(u16, String, Vec<u8>)> {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let status = head.split(' ').nth(1)?.parse().ok()?;
        let len: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body).ok()?;
        Some((status, head.to_ascii_lowercase(), body))
    }

    fn enrol_sealer(f: &Fixture) {
        let key = f.sealer.device_public_key();
        let (s, _, _) = agent().send(
            f.running.addr(),
            "POST",
            "/v1/devices",
            &[],
            &enrol_body("dev-1", &key, "tok"),
        );
        assert_eq!(s, 200);
    }

    #[test]
    fn a_slow_body_holds_no_worker_and_is_cut_off_after_the_time_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreConfig::sqlite(&dir.path().join("c.db"));
        let f = start_with(dir, store, |c| {
            c.workers = 1;
            c.limits.body_timeout = Duration::from_secs(2);
        });
        enrol_sealer(&f);
        let addr = f.running.addr();
        // Eight clients (more than the old four worker threads) each send headers and then one
        // byte a second of a 1,000-byte body.
        let started = std::time::Instant::now();
        let slow: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(move || {
                    let mut s = std::net::TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                    s.write_all(
                        b"POST /v1/envelopes HTTP/1.1\r\nHost: x\r\nX-Frontline-Device: dev-1\r\nContent-Length: 1000\r\n\r\n",
                    )
                    .unwrap();
                    let mut reader = std::io::BufReader::new(s.try_clone().unwrap());
                    let writer = std::thread::spawn(move || {
                        for _ in 0..30 {
                            if s.write_all(b"{").is_err() {
                                break;
                            }
                            std::thread::sleep(Duration::from_secs(1));
                        }
                    });
                    let answer = read_response(&mut reader);
                    let at = started.elapsed();
                    // After the answer the collector closes the connection.
                    let mut rest = Vec::new();
                    let closed = reader.read_to_end(&mut rest).is_ok();
                    let _ = writer.join();
                    (answer.map(|a| a.0), at, closed)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        // Meanwhile other devices are served at once.
        for i in 0..5 {
            let t = std::time::Instant::now();
            let (s, reply) = post_batch(
                &f,
                "dev-1",
                &[f.sealer.seal("advisory_ack", &json!({"n": i}))],
            );
            assert_eq!(
                (s, reply["results"][0]["status"].as_str()),
                (200, Some("accepted"))
            );
            assert!(
                t.elapsed() < Duration::from_secs(1),
                "served while slow bodies trickle"
            );
            assert_eq!(agent().send(addr, "GET", "/v1/health", &[], b"").0, 200);
        }
        for handle in slow {
            let (status, at, closed) = handle.join().unwrap();
            assert_eq!(status, Some(408), "the slow body is answered 408");
            assert!(
                at >= Duration::from_secs(2) && at < Duration::from_secs(6),
                "cut off after the 2 s body time-out, not later: {at:?}"
            );
            assert!(closed, "and its connection closed");
        }
        assert_eq!(Store::open(&f.store).unwrap().report_count().unwrap(), 5);
    }

    #[test]
    fn an_h2c_upgrade_offer_is_answered_over_http_1_1() {
        let f = start();
        let key = f.sealer.device_public_key();
        let body = enrol_body("dev-1", &key, "tok");
        let mut s = std::net::TcpStream::connect(f.running.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // What the JDK's HttpClient sends by default on an http:// URL.
        let head = format!(
            "POST /v1/devices HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body).unwrap();
        let mut reader = std::io::BufReader::new(s);
        let (status, head, body) = read_response(&mut reader).expect("an answer, not a hang");
        assert_eq!(status, 200);
        assert!(head.starts_with("http/1.1 200"), "no switch to h2c: {head}");
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["status"], "enrolled");
    }

    #[test]
    fn keep_alive_serves_several_requests_on_one_connection() {
        let f = start();
        let mut s = std::net::TcpStream::connect(f.running.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut reader = std::io::BufReader::new(s.try_clone().unwrap());
        for _ in 0..3 {
            s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let (status, _, body) = read_response(&mut reader).unwrap();
            assert_eq!((status, body.as_slice()), (200, &br#"{"status":"ok"}"#[..]));
        }
    }

    #[test]
    fn too_many_connections_are_answered_503_with_retry_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreConfig::sqlite(&dir.path().join("c.db"));
        let f = start_with(dir, store, |c| {
            c.limits.max_connections = 2;
            c.limits.retry_after_secs = 7;
        });
        let addr = f.running.addr();
        let _held: Vec<_> = (0..2)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let (status, headers, _) = agent().send(addr, "GET", "/v1/health", &[], b"");
        assert_eq!(status, 503);
        assert!(headers.contains(&(String::from("retry-after"), String::from("7"))));
        drop(_held);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(agent().send(addr, "GET", "/v1/health", &[], b"").0, 200);
    }

    /// Holds the store's write lock from outside the collector until dropped: a SQLite
    /// `BEGIN IMMEDIATE` on its own connection, or PostgreSQL's `LOCK TABLE report`.
    enum WriteLock {
        Sqlite(rusqlite::Connection),
        Postgres(postgres::Client),
    }

    impl WriteLock {
        fn take(store: &StoreConfig) -> Self {
            match store {
                StoreConfig::Sqlite(path) => {
                    let conn = rusqlite::Connection::open(path).unwrap();
                    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                    Self::Sqlite(conn)
                }
                StoreConfig::Postgres { url, .. } => {
                    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                    client
                        .batch_execute("BEGIN; LOCK TABLE report IN EXCLUSIVE MODE")
                        .unwrap();
                    Self::Postgres(client)
                }
            }
        }

        fn release(self) {
            match self {
                Self::Sqlite(conn) => conn.execute_batch("ROLLBACK").unwrap(),
                Self::Postgres(mut client) => client.batch_execute("ROLLBACK").unwrap(),
            }
        }
    }

    #[test]
    fn overload_is_answered_503_with_retry_after_not_queued() {
        let fixtures = fixtures_with(|c| {
            c.limits.max_in_flight = 1;
            c.limits.queue_wait = Duration::from_millis(20);
            c.limits.retry_after_secs = 9;
        });
        for f in &fixtures {
            overload_on(f);
        }
    }

    /// One work slot, held by a batch that waits on the store's write lock: every other
    /// batch is answered 503 with Retry-After at once instead of queueing behind it, health
    /// checks are still answered, and once the lock goes the held batch and the next one are
    /// stored.
    fn overload_on(f: &Fixture) {
        enrol_sealer(f);
        let addr = f.running.addr();
        let lock = WriteLock::take(&f.store);
        let flood = 8;
        let batches: Vec<String> = (0..=flood)
            .map(|b| {
                let envs: Vec<_> = (0..3)
                    .map(|i| f.sealer.seal("advisory_ack", &json!({"b": b, "i": i})))
                    .collect();
                json!({ "envelopes": envs }).to_string()
            })
            .collect();
        let send = |body: &str| {
            agent().send(
                addr,
                "POST",
                "/v1/envelopes",
                &[("X-Frontline-Device", "dev-1")],
                body.as_bytes(),
            )
        };
        std::thread::scope(|scope| {
            let (answers_tx, answers_rx) = std::sync::mpsc::channel();
            for body in &batches {
                let answers = answers_tx.clone();
                let send = &send;
                scope.spawn(move || answers.send(send(body)).unwrap());
            }
            // One batch takes the slot and waits on the lock; all the others are refused,
            // which is known once they have all answered (none can be stored meanwhile).
            // A guard against a hang, not a timing check: a collector that queued the flood
            // behind the held slot would never answer while the lock is held.
            let busy: Vec<_> = (0..flood)
                .map(|_| {
                    answers_rx
                        .recv_timeout(Duration::from_secs(60))
                        .expect("a batch beyond the bound is answered, not queued")
                })
                .collect();
            assert_eq!(
                agent().send(addr, "GET", "/v1/health", &[], b"").0,
                200,
                "health is answered while the slot is held"
            );
            lock.release();
            let held = answers_rx.recv().unwrap();
            for (status, headers, body) in &busy {
                assert_eq!(*status, 503, "{}", String::from_utf8_lossy(body));
                assert!(
                    headers.iter().any(|(k, v)| k == "retry-after" && v == "9"),
                    "{headers:?}"
                );
            }
            assert_eq!(
                held.0, 200,
                "the batch in the slot is stored once the lock goes"
            );
        });
        let store = Store::open(&f.store).unwrap();
        assert_eq!(store.report_count().unwrap(), 3, "a 503 stored nothing");
        // In bound again: the next batch is served.
        let (status, reply) = post_batch(f, "dev-1", &[f.sealer.seal("advisory_ack", &json!({}))]);
        assert_eq!(
            (status, reply["results"][0]["status"].as_str()),
            (200, Some("accepted"))
        );
        assert_eq!(store.report_count().unwrap(), 4);
    }

    #[test]
    fn an_incident_status_changes_only_with_the_session_and_its_csrf_token() {
        let fixtures = fixtures_with(|c| {
            c.dashboard = Some(DashboardConfig::new("a-long-admin-password"));
        });
        for f in &fixtures {
            incident_status_on(f);
        }
    }

    fn incident_status_on(f: &Fixture) {
        enrol_sealer(f);
        let addr = f.running.addr();
        let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> & \"=cmd\"";
        let incident = f.sealer.seal(
            "incident",
            &json!({"incident_id": "inc-1", "kind": "lost_or_stolen_device", "urgent": true,
                    "occurred_at": "2026-12-03T08:00:00Z", "reported_at": "2026-12-03T08:05:00Z",
                    "on_behalf_of_colleague": false, "description": hostile,
                    "staff_pseudonym": "staff-7f3a"}),
        );
        let envelope_id = incident["id"].as_str().unwrap().to_owned();
        assert_eq!(post_batch(f, "dev-1", &[incident]).0, 200);
        // The test client sends `Host: x`.
        let origin = String::from("http://x");
        let (status, headers, _) = agent().send(
            addr,
            "POST",
            "/dashboard/login",
            &[("Origin", &origin)],
            b"password=a-long-admin-password",
        );
        assert_eq!(status, 303);
        let cookie = headers
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .and_then(|(_, v)| v.split(';').next())
            .unwrap()
            .to_owned();
        let (status, _, page) =
            agent().send(addr, "GET", "/dashboard", &[("Cookie", &cookie)], b"");
        assert_eq!(status, 200);
        let page = String::from_utf8(page).unwrap();
        assert!(!page.contains("<script>alert") && !page.contains("<img src=x"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;=cmd&quot;"));
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        assert!(!csrf.is_empty());
        let change = |form: &str, extra: &[(&str, &str)]| {
            let mut headers = vec![("Cookie", cookie.as_str())];
            headers.extend_from_slice(extra);
            agent()
                .send(
                    addr,
                    "POST",
                    "/dashboard/incidents/status",
                    &headers,
                    form.as_bytes(),
                )
                .0
        };
        let form = |token: &str, status: &str| {
            format!("csrf={token}&envelope_id={envelope_id}&status={status}")
        };
        let status_now = || {
            let (_, _, csv) = agent().send(
                addr,
                "GET",
                "/dashboard/incidents.csv",
                &[("Cookie", &cookie)],
                b"",
            );
            let csv = String::from_utf8(csv).unwrap();
            assert!(csv.starts_with("envelope_id,incident_id,"), "{csv}");
            csv.lines()
                .nth(1)
                .unwrap()
                .split(',')
                .nth(8)
                .unwrap()
                .to_owned()
        };
        // Refused: no token, another session's token, a foreign origin, no session.
        assert_eq!(
            change(&format!("envelope_id={envelope_id}&status=closed"), &[]),
            403
        );
        assert_eq!(change(&form("AAAA", "closed"), &[]), 403);
        assert_eq!(
            change(
                &form(&csrf, "closed"),
                &[("Origin", "https://evil.example")]
            ),
            403
        );
        let (s, _, _) = agent().send(
            addr,
            "POST",
            "/dashboard/incidents/status",
            &[],
            form(&csrf, "closed").as_bytes(),
        );
        assert_eq!(s, 401);
        assert_eq!(status_now(), "new", "nothing changed");
        // Refused input: an unknown status or envelope.
        assert_eq!(change(&form(&csrf, "open"), &[]), 400);
        assert_eq!(
            change(
                &format!("csrf={csrf}&envelope_id=no-such-envelope&status=closed"),
                &[("Origin", &origin)]
            ),
            404
        );
        // Accepted with the session, its token and the same origin.
        assert_eq!(change(&form(&csrf, "triaged"), &[("Origin", &origin)]), 303);
        assert_eq!(status_now(), "triaged");
        assert_eq!(change(&form(&csrf, "closed"), &[]), 303);
        assert_eq!(status_now(), "closed");
        let (s, _, _) = agent().send(addr, "GET", "/dashboard/incidents.csv", &[], b"");
        assert_eq!(s, 401, "the export needs the session too");
    }

    #[test]
    fn stop_finishes_the_request_in_progress() {
        let f = start();
        enrol_sealer(&f);
        let addr = f.running.addr();
        let body = json!({ "envelopes": [f.sealer.seal("advisory_ack", &json!({}))] }).to_string();
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(
            format!(
                "POST /v1/envelopes HTTP/1.1\r\nHost: x\r\nX-Frontline-Device: dev-1\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
        s.write_all(first).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let Fixture {
            _dir,
            store,
            running,
            ..
        } = f;
        let stopping = std::thread::spawn(move || running.stop());
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "no new connection once stopping"
        );
        s.write_all(rest).unwrap();
        let mut reader = std::io::BufReader::new(s);
        let (status, head, body) = read_response(&mut reader).unwrap();
        assert_eq!(status, 200, "{head}");
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["results"][0]["status"], "accepted");
        stopping.join().unwrap();
        assert_eq!(Store::open(&store).unwrap().report_count().unwrap(), 1);
    }

    #[test]
    fn tls_is_terminated_with_the_given_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec![String::from("127.0.0.1")]).unwrap();
        let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert_path, cert.cert.pem()).unwrap();
        std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
        let store = StoreConfig::sqlite(&dir.path().join("c.db"));
        let tls = crate::tls::TlsFiles {
            cert_chain: cert_path,
            private_key: key_path.clone(),
        };
        let f = start_with(dir, store, |c| c.tls = Some(tls));
        assert!(f.running.url().starts_with("https://127.0.0.1:"));
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.cert.der().clone()).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https = ureq::AgentBuilder::new()
            .tls_config(std::sync::Arc::new(client))
            .timeout(Duration::from_secs(10))
            .build();
        let reply = https
            .get(&format!("{}/v1/health", f.running.url()))
            .call()
            .unwrap();
        assert_eq!(reply.status(), 200);
        // Plain HTTP to the TLS port gets no HTTP answer.
        let mut s = std::net::TcpStream::connect(f.running.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        assert!(!raw.starts_with(b"HTTP/1.1 200"));
        // A client that does not trust the certificate is refused.
        let default = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(10))
            .build();
        assert!(default
            .get(&format!("{}/v1/health", f.running.url()))
            .call()
            .is_err());
        // A key that does not belong to the certificate is refused at start.
        let other = rcgen::generate_simple_self_signed(vec![String::from("x")]).unwrap();
        let other_cert = f._dir.path().join("other.pem");
        std::fs::write(&other_cert, other.cert.pem()).unwrap();
        let mut config = CollectorConfig::new(&f._dir.path().join("d.db"), f.org.clone(), "t");
        config.tls = Some(crate::tls::TlsFiles {
            cert_chain: other_cert,
            private_key: key_path,
        });
        assert!(matches!(
            Collector::start(config),
            Err(CollectorError::Tls(_))
        ));
    }
}
