//! A fault-injecting HTTP proxy for the end-to-end sync tests.
//!
//! It sits between the device's driver and the collector on loopback and, per request, picks
//! a fault with a seeded generator: drop the connection before the collector sees the request
//! (nothing committed), drop it after the collector answered (committed, the device never
//! hears), answer 500, answer 429 or 503 with `Retry-After`, send a truncated reply (a reset
//! as the client sees it), reply slowly, or deliver the request twice. Faults stop after a
//! budget so every test ends; the proxy stops when dropped (or after its lifetime).
//!
//! One request per connection (the driver does not reuse connections), bodies bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest request or response the proxy carries.
const MAX_MESSAGE: usize = 8 * 1024 * 1024;

/// What the proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Forward it and relay the answer.
    Pass,
    /// Close the client connection without forwarding (nothing committed).
    DropBeforeCommit,
    /// Forward it, let the collector commit, then close without answering.
    DropAfterCommit,
    /// Answer 500 without forwarding.
    ServerError,
    /// Answer 429 with `Retry-After` without forwarding.
    TooManyRequests,
    /// Answer 503 with `Retry-After` without forwarding.
    Unavailable,
    /// Forward it, then send half of the answer and close.
    TruncatedReply,
    /// Forward it and relay the answer after a delay.
    SlowReply,
    /// Forward it twice and relay the second answer.
    Duplicate,
    /// Forward it and hold the answer for `stall_delay` (longer than the client waits).
    Stall,
}

/// All faults but `Pass` and `Stall` (which costs wall time; tests add it on purpose).
pub const FAULTS: [Fault; 8] = [
    Fault::DropBeforeCommit,
    Fault::DropAfterCommit,
    Fault::ServerError,
    Fault::TooManyRequests,
    Fault::Unavailable,
    Fault::TruncatedReply,
    Fault::SlowReply,
    Fault::Duplicate,
];

/// How often and how the proxy misbehaves.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    /// Seed of the generator.
    pub seed: u64,
    /// Chance of a fault per request, in per mille.
    pub fault_permille: u16,
    /// Faults to choose from (uniformly).
    pub faults: Vec<Fault>,
    /// After this many faults every request passes.
    pub fault_budget: u64,
    /// Delay of a slow reply.
    pub slow_delay: Duration,
    /// Delay of a stalled reply.
    pub stall_delay: Duration,
    /// `Retry-After` seconds sent with 429/503.
    pub retry_after_secs: u32,
    /// The proxy stops accepting after this long, whatever happens.
    pub lifetime: Duration,
}

impl FaultPlan {
    /// Every fault, `fault_permille` of the time, up to `fault_budget` faults.
    pub fn chaos(seed: u64, fault_permille: u16, fault_budget: u64) -> Self {
        Self {
            seed,
            fault_permille,
            faults: FAULTS.to_vec(),
            fault_budget,
            slow_delay: Duration::from_millis(30),
            stall_delay: Duration::from_secs(2),
            retry_after_secs: 7,
            lifetime: Duration::from_secs(600),
        }
    }
}

/// SplitMix64: small, seeded, good enough to pick faults reproducibly.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    counts: Mutex<std::collections::HashMap<Fault, u64>>,
    requests: AtomicU64,
}

impl ProxyStats {
    /// Requests seen.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// How many times `fault` was applied.
    pub fn count(&self, fault: Fault) -> u64 {
        self.counts
            .lock()
            .map(|c| c.get(&fault).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn record(&self, fault: Fault) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = self.counts.lock() {
            *c.entry(fault).or_insert(0) += 1;
        }
    }
}

/// Every fault and how often it was applied.
pub fn fault_counts(stats: &ProxyStats) -> std::collections::HashMap<Fault, u64> {
    stats.counts.lock().map(|c| c.clone()).unwrap_or_default()
}

/// A running proxy; dropping it stops it.
pub struct FaultProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    stats: Arc<ProxyStats>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .finish()
    }
}

struct Chooser {
    rng: SplitMix64,
    plan: FaultPlan,
    used: u64,
}

impl Chooser {
    fn next(&mut self) -> Fault {
        let roll = self.rng.below(1000);
        if self.used >= self.plan.fault_budget
            || self.plan.faults.is_empty()
            || roll >= u64::from(self.plan.fault_permille)
        {
            return Fault::Pass;
        }
        self.used += 1;
        let n = self.plan.faults.len() as u64;
        self.plan.faults[self.rng.below(n) as usize]
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` according to `plan`.
    pub fn start(upstream: SocketAddr, plan: FaultPlan) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ProxyStats::default());
        let lifetime = plan.lifetime;
        let chooser = Arc::new(Mutex::new(Chooser {
            rng: SplitMix64::new(plan.seed),
            plan,
            used: 0,
        }));
        let (stop2, stats2) = (stop.clone(), stats.clone());
        let accept = std::thread::spawn(move || {
            let started = Instant::now();
            while !stop2.load(Ordering::SeqCst) && started.elapsed() < lifetime {
                match listener.accept() {
                    Ok((client, _)) => {
                        let fault = chooser.lock().map(|mut c| c.next()).unwrap_or(Fault::Pass);
                        let (chooser, stats) = (chooser.clone(), stats2.clone());
                        std::thread::spawn(move || {
                            stats.record(fault);
                            let plan = chooser.lock().map(|c| c.plan.clone());
                            if let Ok(plan) = plan {
                                let _ = serve(client, upstream, fault, &plan);
                            }
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Ok(Self {
            addr,
            stop,
            stats,
            accept: Some(accept),
        })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL (`http://ADDR`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What it did so far.
    pub fn stats(&self) -> &ProxyStats {
        &self.stats
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Reads one HTTP message (head + Content-Length body, or to EOF without one).
pub fn read_message(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::Error::other("head too large"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(len) => {
            if len > MAX_MESSAGE {
                return Err(std::io::Error::other("message too large"));
            }
            while buf.len() < head_end + len {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.truncate(head_end + len);
        }
        None if head.starts_with("http/") => {
            stream.take(MAX_MESSAGE as u64).read_to_end(&mut buf)?;
        }
        None => {}
    }
    Ok(buf)
}

fn forward(upstream: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(30)))?;
    up.write_all(request)?;
    read_message(&mut up)
}

fn canned(status: u16, reason: &str, retry_after: Option<u32>) -> Vec<u8> {
    let body = format!("{{\"error\":\"{reason}\"}}");
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(s) = retry_after {
        head.push_str(&format!("Retry-After: {s}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(&body);
    head.into_bytes()
}

fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    plan: &FaultPlan,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = read_message(&mut client)?;
    let reply = match fault {
        Fault::Pass => forward(upstream, &request)?,
        Fault::DropBeforeCommit => {
            client.shutdown(std::net::Shutdown::Both)?;
            return Ok(());
        }
        Fault::DropAfterCommit => {
            forward(upstream, &request)?;
            client.shutdown(std::net::Shutdown::Both)?;
            return Ok(());
        }
        Fault::ServerError => canned(500, "Internal Server Error", None),
        Fault::TooManyRequests => canned(429, "Too Many Requests", Some(plan.retry_after_secs)),
        Fault::Unavailable => canned(503, "Service Unavailable", Some(plan.retry_after_secs)),
        Fault::TruncatedReply => {
            let reply = forward(upstream, &request)?;
            client.write_all(&reply[..reply.len() / 2])?;
            client.shutdown(std::net::Shutdown::Both)?;
            return Ok(());
        }
        Fault::SlowReply => {
            let reply = forward(upstream, &request)?;
            std::thread::sleep(plan.slow_delay);
            reply
        }
        Fault::Stall => {
            let reply = forward(upstream, &request)?;
            std::thread::sleep(plan.stall_delay);
            reply
        }
        Fault::Duplicate => {
            forward(upstream, &request)?;
            forward(upstream, &request)?
        }
    };
    client.write_all(&reply)?;
    client.flush()?;
    let _ = client.shutdown(std::net::Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_choices_repeat_and_respect_the_budget() {
        let pick = |seed| {
            let mut c = Chooser {
                rng: SplitMix64::new(seed),
                plan: FaultPlan::chaos(seed, 500, 20),
                used: 0,
            };
            (0..200).map(|_| c.next()).collect::<Vec<_>>()
        };
        let a = pick(7);
        assert_eq!(a, pick(7));
        assert_ne!(a, pick(8));
        assert_eq!(a.iter().filter(|f| **f != Fault::Pass).count(), 20);
        assert!(a[150..].iter().all(|f| *f == Fault::Pass));
    }
}
