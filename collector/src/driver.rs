//! The blocking HTTP driver for the device's sans-IO sync engine.
//!
//! The core builds each request ([`Companion::next_sync_request`]) and decides what every
//! answer means; this module only carries bytes, the way WorkManager or URLSession do in the
//! apps. It is the platform for the CLI's simulated device, the demo, the end-to-end tests
//! and the benchmark. It lives here because those all already depend on this crate.
//!
//! * Every HTTP status, 2xx to 5xx, is an answer handed to the core as it came.
//! * No answer (refused, reset, cut short, timed out, name not resolved) is a
//!   [`TransportFailure`]: the core puts the batch back and backs off.
//! * One connection per request (no pooling), no redirects, answers capped in size: a
//!   collector that went away is noticed at once instead of through a stale pooled socket.

use std::io::Read;
use std::time::Duration;

use frontline_core::sync::{HttpHeader, HttpRequest, HttpResponse, SyncOutcome, TransportFailure};
use frontline_core::{Companion, Error, UnixMillis};

/// Largest answer body read from the collector.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// Sends the core's requests with `ureq`.
#[derive(Debug)]
pub struct HttpDriver {
    agent: ureq::Agent,
}

impl HttpDriver {
    /// A driver whose every request gives up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(timeout)
            .redirects(0)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build();
        Self { agent }
    }

    /// Sends `request` and returns the answer, whatever its status, or how it failed.
    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let mut call = self.agent.request(&request.method, &request.url);
        for h in &request.headers {
            call = call.set(&h.name, &h.value);
        }
        let result = if request.method.eq_ignore_ascii_case("GET") {
            call.call()
        } else {
            call.send_bytes(&request.body)
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(transport_failure(&t)),
        };
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| {
                response.header(&name).map(|value| HttpHeader {
                    name: name.clone(),
                    value: value.to_owned(),
                })
            })
            .collect();
        let mut body = Vec::new();
        response
            .into_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| io_failure(&e))?;
        if body.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(TransportFailure::Other);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn io_failure(e: &std::io::Error) -> TransportFailure {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportFailure::Timeout,
        _ => TransportFailure::Reset,
    }
}

fn transport_failure(t: &ureq::Transport) -> TransportFailure {
    use ureq::ErrorKind;
    match t.kind() {
        ErrorKind::Dns => TransportFailure::Dns,
        ErrorKind::Io | ErrorKind::BadStatus | ErrorKind::BadHeader => {
            let io = std::error::Error::source(t).and_then(|s| s.downcast_ref::<std::io::Error>());
            match io {
                Some(e) => io_failure(e),
                None => TransportFailure::Reset,
            }
        }
        _ => TransportFailure::Other,
    }
}

/// What one [`sync`] run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRun {
    /// Requests sent.
    pub requests: u32,
    /// Requests that got no answer.
    pub transport_failures: u32,
    /// Answers the core could not use (it put their reports back).
    pub bad_answers: u32,
    /// Reports delivered (accepted or duplicate).
    pub delivered: u64,
    /// Reports dead-lettered.
    pub dead_lettered: u64,
    /// When the core allows the next attempt, if it asked to wait.
    pub retry_at: Option<UnixMillis>,
    /// The collector refused the device: it must enrol again.
    pub reenrolment_needed: bool,
    /// The device is enrolled.
    pub enrolled: bool,
}

impl SyncRun {
    fn absorb(&mut self, outcome: &SyncOutcome) {
        self.delivered += u64::from(outcome.delivered);
        self.dead_lettered += u64::from(outcome.dead_lettered);
        self.retry_at = outcome.retry_at;
        self.reenrolment_needed = outcome.reenrolment_needed;
        self.enrolled = outcome.enrolled;
    }
}

/// Sends the enrolment request and hands the answer (or failure) to the core.
pub fn enrol(companion: &Companion, driver: &HttpDriver) -> Result<SyncOutcome, Error> {
    let request = companion.enrolment_request()?;
    match driver.send(&request) {
        Ok(response) => companion.handle_enrolment_response(response),
        Err(failure) => companion.handle_sync_failure(&request.id, failure),
    }
}

/// Sends what the core asks for until it has nothing due (empty outbox, a back-off or
/// `Retry-After` running, or re-enrolment needed), at most `max_requests` requests.
/// `progress` is called after each answer or failure.
pub fn sync(
    companion: &Companion,
    driver: &HttpDriver,
    max_requests: u32,
    mut progress: impl FnMut(&SyncRun),
) -> Result<SyncRun, Error> {
    let mut run = SyncRun::default();
    while run.requests < max_requests {
        let Some(request) = companion.next_sync_request()? else {
            break;
        };
        run.requests += 1;
        let handled = match driver.send(&request) {
            Ok(response) => companion.handle_sync_response(&request.id, response),
            Err(failure) => {
                run.transport_failures += 1;
                companion.handle_sync_failure(&request.id, failure)
            }
        };
        match handled {
            Ok(outcome) => run.absorb(&outcome),
            // The core has put the batch back and backed off; the loop ends at the next turn.
            Err(Error::BadResponse(_)) => run.bad_answers += 1,
            Err(e) => return Err(e),
        }
        progress(&run);
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn request(addr: std::net::SocketAddr) -> HttpRequest {
        HttpRequest {
            id: String::from("r-1"),
            method: String::from("POST"),
            url: format!("http://{addr}/v1/envelopes"),
            headers: vec![HttpHeader {
                name: String::from("Content-Type"),
                value: String::from("application/json"),
            }],
            body: b"{\"envelopes\":[]}".to_vec(),
        }
    }

    /// A one-shot server that reads the request head and then does `then` with the socket.
    fn serve_once(
        then: impl FnOnce(std::net::TcpStream) + Send + 'static,
    ) -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            then(s);
        });
        (addr, handle)
    }

    #[test]
    fn every_status_is_an_answer_with_its_headers() {
        let (addr, h) = serve_once(|mut s| {
            s.write_all(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\n{}")
                .unwrap();
        });
        let resp = HttpDriver::new(Duration::from_secs(5))
            .send(&request(addr))
            .unwrap();
        h.join().unwrap();
        assert_eq!(resp.status, 503);
        assert_eq!(resp.header("retry-after"), Some("7"));
        assert_eq!(resp.body, b"{}");
    }

    #[test]
    fn no_answer_is_a_transport_failure_of_the_right_kind() {
        let driver = HttpDriver::new(Duration::from_millis(400));
        // Refused: nobody listens.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        assert_eq!(driver.send(&request(addr)), Err(TransportFailure::Other));
        // Cut short: the body ends before its Content-Length.
        let (addr, h) = serve_once(|mut s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"res")
                .unwrap();
        });
        assert_eq!(driver.send(&request(addr)), Err(TransportFailure::Reset));
        h.join().unwrap();
        // Closed without a word.
        let (addr, h) = serve_once(drop);
        assert_eq!(driver.send(&request(addr)), Err(TransportFailure::Reset));
        h.join().unwrap();
        // Too slow.
        let (addr, h) = serve_once(|s| {
            std::thread::sleep(Duration::from_millis(1_200));
            drop(s);
        });
        assert_eq!(driver.send(&request(addr)), Err(TransportFailure::Timeout));
        h.join().unwrap();
    }
}
