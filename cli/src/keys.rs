//! `frontline keys generate --out DIR`: the organisation's two key pairs as JWK files.
//!
//! * `publisher.jwk` / `publisher.pub.jwk`: Ed25519, signs bundles (content packs, policies,
//!   advisory feeds); the public half is pinned on devices.
//! * `org-report.jwk` / `org-report.pub.jwk`: X25519, devices seal their reports to the
//!   public half; only the collector holds the private half.
//!
//! Formats are RFC 8037 OKP JWKs with `kid` (`frontline_core::crypto::jwk`). Private files
//! are created with mode 0600 and never overwritten unless `--force` is given.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use frontline_collector::OrgReportKey;
use frontline_core::crypto::jwk::OkpJwk;
use frontline_core::crypto::SigningKey;

use crate::{CliError, CliResult};

/// Arguments of `frontline keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate the publisher (Ed25519) and report (X25519) key pairs as JWK files.
    Generate {
        /// Directory to write the four files to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
    },
}

/// The four files written by [`generate`].
#[derive(Debug, Clone)]
pub struct GeneratedKeys {
    /// The publisher's public JWK.
    pub publisher_public: OkpJwk,
    /// The organisation report key's public JWK.
    pub org_report_public: OkpJwk,
    /// The organisation report key (private), for a collector.
    pub org_report: OrgReportKey,
}

/// File names inside the output directory.
pub const PUBLISHER: &str = "publisher.jwk";
/// Public half of the publisher key.
pub const PUBLISHER_PUB: &str = "publisher.pub.jwk";
/// Private organisation report key.
pub const ORG_REPORT: &str = "org-report.jwk";
/// Public half of the organisation report key.
pub const ORG_REPORT_PUB: &str = "org-report.pub.jwk";

/// Runs `frontline keys`.
pub fn run(args: KeysArgs) -> CliResult {
    match args.command {
        KeysCommand::Generate { out, force } => {
            let keys = generate(&out, force)?;
            println!("Wrote to {}:", out.display());
            println!(
                "  {PUBLISHER} (private, 0600) and {PUBLISHER_PUB}: Ed25519 bundle publisher key, kid {}",
                keys.publisher_public.kid
            );
            println!(
                "  {ORG_REPORT} (private, 0600) and {ORG_REPORT_PUB}: X25519 report key, kid {}",
                keys.org_report_public.kid
            );
            println!("Keep the private files off devices; give devices the .pub.jwk values.");
        }
    }
    Ok(())
}

/// Generates both key pairs and writes the four files into `dir`.
pub fn generate(dir: &Path, force: bool) -> CliResult<GeneratedKeys> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
        what: String::from("creating the key directory"),
        source,
    })?;
    if !force {
        for name in [PUBLISHER, PUBLISHER_PUB, ORG_REPORT, ORG_REPORT_PUB] {
            if dir.join(name).exists() {
                return Err(CliError::Message(format!(
                    "{name} already exists there; pass --force to replace the keys"
                )));
            }
        }
    }
    let publisher = OkpJwk::from_signing_key(&SigningKey::generate()?)?;
    let org = OrgReportKey::generate().map_err(|e| CliError::Message(e.to_string()))?;
    let org_private = org
        .to_private_jwk()
        .map_err(|e| CliError::Message(e.to_string()))?;
    let org_public = org
        .to_public_jwk()
        .map_err(|e| CliError::Message(e.to_string()))?;
    write_key_file(&dir.join(PUBLISHER), &publisher.to_json(), true)?;
    write_key_file(
        &dir.join(PUBLISHER_PUB),
        &publisher.to_public().to_json(),
        false,
    )?;
    write_key_file(&dir.join(ORG_REPORT), &org_private.to_json(), true)?;
    write_key_file(&dir.join(ORG_REPORT_PUB), &org_public.to_json(), false)?;
    Ok(GeneratedKeys {
        publisher_public: publisher.to_public(),
        org_report_public: org_public,
        org_report: org,
    })
}

/// Writes a key file, mode 0600 for a private key (0644 for a public one), replacing it.
pub fn write_key_file(path: &Path, text: &str, private: bool) -> CliResult {
    let io = |source| CliError::Io {
        what: String::from("writing a key file"),
        source,
    };
    // Replace by removing first so the new file is created with the intended mode.
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}

/// Reads a JWK file as text.
pub fn read_key_file(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        what: String::from("reading a key file"),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::crypto::jwk::OkpCurve;

    #[test]
    fn generate_writes_four_parseable_files_with_private_ones_0600() {
        let dir = tempfile::tempdir().unwrap();
        let keys = generate(dir.path(), false).unwrap();
        let publisher = OkpJwk::parse_expecting(
            &read_key_file(&dir.path().join(PUBLISHER)).unwrap(),
            OkpCurve::Ed25519,
            true,
        )
        .unwrap();
        assert_eq!(publisher.kid, keys.publisher_public.kid);
        let pub_text = read_key_file(&dir.path().join(PUBLISHER_PUB)).unwrap();
        assert!(!OkpJwk::parse(&pub_text).unwrap().is_private());
        let org =
            OrgReportKey::from_jwk(&read_key_file(&dir.path().join(ORG_REPORT)).unwrap()).unwrap();
        assert_eq!(org.kid(), keys.org_report.kid());
        let org_pub = OkpJwk::parse_expecting(
            &read_key_file(&dir.path().join(ORG_REPORT_PUB)).unwrap(),
            OkpCurve::X25519,
            false,
        )
        .unwrap();
        assert_eq!(org_pub.x, org.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for name in [PUBLISHER, ORG_REPORT] {
                let mode = std::fs::metadata(dir.path().join(name))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{name}");
            }
        }
        assert!(generate(dir.path(), false).is_err(), "no silent overwrite");
        let again = generate(dir.path(), true).unwrap();
        assert_ne!(again.org_report.kid(), keys.org_report.kid());
    }
}
