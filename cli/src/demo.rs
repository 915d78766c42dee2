//! `frontline demo`: the main job, end to end, on embedded defaults.
//!
//! A simulated device opens its encrypted store, takes training, checks its posture, queues
//! sealed reports while the collector is unreachable, and syncs them when it comes back.
//! Each stage is added here as the capability behind it lands.

use clap::Args;
use frontline_core::{CompanionConfig, StaffRole};

use crate::{device, CliError, CliResult};

/// Arguments of `frontline demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's temporary directory and print where it is.
    #[arg(long)]
    pub keep: bool,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> CliResult {
    let dir = tempfile::tempdir().map_err(|source| CliError::Io {
        what: String::from("creating a temporary directory"),
        source,
    })?;
    let device_dir = dir.path().join("device");
    println!("Frontline demo");
    println!("==============");
    let config = CompanionConfig::new("example-trust", "staff-7f3a", StaffRole::AllStaff);
    let companion = device::open_device(&device_dir, config.clone())?;
    println!(
        "1. Device store opened (schema v{}), data key wrapped by the (simulated) platform key store",
        companion.schema_version()
    );
    drop(companion);
    let _again = device::open_device(&device_dir, config)?;
    println!("2. Reopened: the wrapped data key unwrapped and checked");
    crate::posture::demo_mdm_check(&dir.path().join("managed-device"))?;
    if args.keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
    println!("Demo finished.");
    Ok(())
}
