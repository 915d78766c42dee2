//! A collector in a child process, for the multi-instance test and the load benchmark.
//!
//! `collector_node` (and the load bench in `--serve` mode) start one collector on a free
//! loopback port with the store and organisation key given on the command line, print its
//! address on the first line of standard output, and serve until standard input closes,
//! then stop gracefully. Several of them on one PostgreSQL database are several collector
//! processes of one trust.

use std::io::Write;
use std::time::Duration;

use frontline_collector::{Collector, CollectorConfig, OrgReportKey, StoreConfig};

/// What a node is started with.
#[derive(Debug, Clone)]
pub struct NodeArgs {
    /// `sqlite:PATH` or a `postgresql://` URL.
    pub store: String,
    /// The organisation's private report key, hex.
    pub org_key_hex: String,
    /// The enrolment token.
    pub token: String,
    /// Requests worked on at once.
    pub max_in_flight: usize,
    /// Async workers.
    pub workers: usize,
}

impl NodeArgs {
    /// As command-line arguments (the inverse of [`NodeArgs::parse`]).
    pub fn to_args(&self) -> Vec<String> {
        vec![
            self.store.clone(),
            self.org_key_hex.clone(),
            self.token.clone(),
            self.max_in_flight.to_string(),
            self.workers.to_string(),
        ]
    }

    /// From `STORE ORG_KEY_HEX TOKEN MAX_IN_FLIGHT WORKERS`.
    pub fn parse(args: &[String]) -> Option<Self> {
        match args {
            [store, key, token, in_flight, workers] => Some(Self {
                store: store.clone(),
                org_key_hex: key.clone(),
                token: token.clone(),
                max_in_flight: in_flight.parse().ok()?,
                workers: workers.parse().ok()?,
            }),
            _ => None,
        }
    }
}

/// Hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Runs a node until standard input closes. Returns an error message on failure.
pub fn serve(args: &NodeArgs) -> Result<(), String> {
    let d = unhex(&args.org_key_hex).ok_or("bad key hex")?;
    let org = OrgReportKey::from_private_bytes(&d).map_err(|e| e.to_string())?;
    let store = match args.store.strip_prefix("sqlite:") {
        Some(path) => StoreConfig::sqlite(std::path::Path::new(path)),
        None => StoreConfig::Postgres {
            url: args.store.clone(),
            max_connections: args.max_in_flight.max(1),
        },
    };
    let mut config = CollectorConfig::with_store(store, org, &args.token);
    config.limits.max_in_flight = args.max_in_flight.max(1);
    config.limits.queue_wait = Duration::from_millis(500);
    config.limits.retry_after_secs = 1;
    config.workers = args.workers.max(1);
    let running = Collector::start(config).map_err(|e| e.to_string())?;
    println!("{}", running.addr());
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut sink = String::new();
    while std::io::stdin()
        .read_line(&mut sink)
        .map_err(|e| e.to_string())?
        > 0
    {
        sink.clear();
    }
    running.stop();
    Ok(())
}

/// A node running as a child process; killed (and waited for) when dropped.
#[derive(Debug)]
pub struct Node {
    child: std::process::Child,
    /// Where it listens.
    pub addr: std::net::SocketAddr,
}

impl Node {
    /// Starts `program` (with `prefix` arguments before the node's own) and reads its address.
    pub fn spawn(
        program: &std::path::Path,
        prefix: &[&str],
        args: &NodeArgs,
    ) -> Result<Self, String> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(program)
            .args(prefix)
            .args(args.to_args())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let addr = line
            .trim()
            .parse()
            .map_err(|_| format!("no address from the node: {line:?}"))?;
        Ok(Self { child, addr })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes its standard input and waits for a graceful stop.
    pub fn stop(mut self) -> bool {
        drop(self.child.stdin.take());
        self.child.wait().is_ok_and(|s| s.success())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        if matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(200));
            if matches!(self.child.try_wait(), Ok(None)) {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}
