//! One collector in a child process (`frontline_e2e::node`): prints its address, serves until
//! standard input closes. Used by `tests/tests/multi_collector.rs`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(node) = frontline_e2e::node::NodeArgs::parse(&args) else {
        eprintln!("usage: collector_node STORE ORG_KEY_HEX TOKEN MAX_IN_FLIGHT WORKERS");
        return ExitCode::from(2);
    };
    match frontline_e2e::node::serve(&node) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("collector_node: {e}");
            ExitCode::FAILURE
        }
    }
}
