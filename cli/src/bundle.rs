//! `frontline bundle sign|verify`: the organisation signs content packs, policies and advisory
//! feeds with its publisher key (a private Ed25519 JWK from `frontline keys generate`), and
//! anyone can check a bundle against the public key with exactly the device's verifier.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use frontline_core::bundle::{self, BundleKind};
use frontline_core::clock::{format_date, parse_date, parse_rfc3339, rfc3339, Clock, SystemClock};
use frontline_core::crypto::jwk::{OkpCurve, OkpJwk};
use frontline_core::Companion;

use crate::keys::read_key_file;
use crate::{CliError, CliResult};

/// Arguments of `frontline bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(subcommand)]
    pub command: BundleCommand,
}

/// Bundle commands.
#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Sign a payload (e.g. a pack built by `frontline pack build`) as a bundle.
    Sign {
        /// What the payload is: content, policy or advisories.
        #[arg(long, value_parser = parse_kind)]
        kind: BundleKind,
        /// The publisher's private key (JWK file).
        #[arg(long)]
        key: PathBuf,
        /// The bundle version: must be above the version installed on devices.
        #[arg(long)]
        version: u64,
        /// When the bundle stops being installable: RFC 3339 time or YYYY-MM-DD.
        #[arg(long)]
        expires: Option<String>,
        /// The payload file.
        input: PathBuf,
        /// Where to write the bundle.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Verify a bundle against the publisher's public key, as a device would (now, with no
    /// version installed), and check its payload.
    Verify {
        /// The publisher's public (or private) key (JWK file).
        #[arg(long)]
        key: PathBuf,
        /// Refuse a bundle of another kind.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<BundleKind>,
        /// The bundle file.
        file: PathBuf,
    },
}

fn parse_kind(text: &str) -> Result<BundleKind, String> {
    BundleKind::parse(text).ok_or_else(|| {
        String::from("expected content, policy, advisories, assessment or benchmark")
    })
}

fn read(path: &Path, what: &str) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|source| CliError::Io {
        what: format!("reading {what}"),
        source,
    })
}

/// Parses `--expires`: an RFC 3339 time or a date (midnight UTC).
pub fn parse_expiry(text: &str) -> CliResult<i64> {
    parse_rfc3339(text)
        .or_else(|| parse_date(text))
        .ok_or_else(|| CliError::Usage(String::from("--expires: use RFC 3339 or YYYY-MM-DD")))
}

/// Runs `frontline bundle`.
pub fn run(args: BundleArgs) -> CliResult {
    let now = SystemClock.now_ms();
    match args.command {
        BundleCommand::Sign {
            kind,
            key,
            version,
            expires,
            input,
            output,
        } => {
            let jwk = OkpJwk::parse_expecting(&read_key_file(&key)?, OkpCurve::Ed25519, true)?;
            let signing = jwk.signing_key()?;
            let payload = read(&input, "the payload")?;
            Companion::check_bundle_payload(kind, &payload)
                .map_err(|_| crate::failure::invalid_payload(kind))?;
            let expires_at = expires.as_deref().map(parse_expiry).transpose()?;
            if expires_at.is_some_and(|e| e <= now) {
                return Err(CliError::Usage(String::from("--expires is in the past")));
            }
            let bytes = bundle::sign_bundle(kind, version, now, expires_at, &payload, &signing);
            if bytes.len() > bundle::MAX_BUNDLE_BYTES {
                return Err(CliError::Message(format!(
                    "the bundle is {} bytes, over the {} byte limit devices accept",
                    bytes.len(),
                    bundle::MAX_BUNDLE_BYTES
                )));
            }
            std::fs::write(&output, &bytes).map_err(|source| CliError::Io {
                what: String::from("writing the bundle"),
                source,
            })?;
            println!(
                "signed {} bundle version {} with key {} ({} bytes{})",
                kind.as_str(),
                version,
                jwk.kid,
                bytes.len(),
                expires_at
                    .map(|e| format!(", expires {}", format_date(e)))
                    .unwrap_or_default()
            );
        }
        BundleCommand::Verify { key, kind, file } => {
            let jwk = OkpJwk::parse_expecting(&read_key_file(&key)?, OkpCurve::Ed25519, false)?;
            let bytes = read(&file, "the bundle")?;
            let verified = bundle::verify_bundle(&bytes, kind, &jwk.x, now, None)
                .and_then(|v| Companion::check_bundle_payload(v.info.kind, &v.payload).map(|()| v))
                .map_err(crate::failure::bundle_refused)?;
            let info = verified.info;
            println!(
                "valid {} bundle version {}, issued {}, {}, key {}, payload {} bytes",
                info.kind.as_str(),
                info.version,
                rfc3339(info.issued_at_ms),
                info.expires_at_ms
                    .map(|e| format!("expires {}", rfc3339(e)))
                    .unwrap_or_else(|| String::from("no expiry")),
                info.key_id,
                verified.payload.len()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(
        dir: &Path,
        kind: BundleKind,
        input: &Path,
        expires: Option<&str>,
    ) -> CliResult<PathBuf> {
        let output = dir.join("out.bundle");
        run(BundleArgs {
            command: BundleCommand::Sign {
                kind,
                key: dir.join("keys").join(crate::keys::PUBLISHER),
                version: 4,
                expires: expires.map(str::to_owned),
                input: input.to_path_buf(),
                output: output.clone(),
            },
        })?;
        Ok(output)
    }

    fn verify(dir: &Path, kind: Option<BundleKind>, file: &Path) -> CliResult {
        run(BundleArgs {
            command: BundleCommand::Verify {
                key: dir.join("keys").join(crate::keys::PUBLISHER_PUB),
                kind,
                file: file.to_path_buf(),
            },
        })
    }

    #[test]
    fn sign_then_verify_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        crate::keys::generate(&d.join("keys"), false).unwrap();
        let pack = d.join("pack.json");
        std::fs::write(&pack, frontline_core::training::DEFAULT_PACK_JSON).unwrap();

        let bundle = sign(d, BundleKind::Content, &pack, Some("2099-01-01")).unwrap();
        verify(d, Some(BundleKind::Content), &bundle).unwrap();
        let err = verify(d, Some(BundleKind::Policy), &bundle)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a policy bundle"), "{err}");

        // A tampered payload is refused with the device's reason.
        let mut file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
        file["payload"] = frontline_core::crypto::b64url(b"{}").into();
        std::fs::write(&bundle, serde_json::to_vec(&file).unwrap()).unwrap();
        let err = verify(d, None, &bundle).unwrap_err().to_string();
        assert!(err.contains("changed after it was signed"), "{err}");

        // The signer refuses a payload that is not what the kind says, and a past expiry.
        assert!(sign(d, BundleKind::Policy, &pack, None).is_err());
        assert!(sign(d, BundleKind::Content, &pack, Some("2001-01-01")).is_err());
        // Signing needs the private key.
        let public_only = run(BundleArgs {
            command: BundleCommand::Sign {
                kind: BundleKind::Content,
                key: d.join("keys").join(crate::keys::PUBLISHER_PUB),
                version: 1,
                expires: None,
                input: pack.clone(),
                output: d.join("x.bundle"),
            },
        });
        assert!(public_only.is_err());
    }

    #[test]
    fn expiry_accepts_dates_and_times() {
        assert_eq!(
            parse_expiry("2027-01-01").unwrap(),
            parse_rfc3339("2027-01-01T00:00:00Z").unwrap()
        );
        assert!(parse_expiry("2027-01-01T12:00:00+01:00").is_ok());
        assert!(parse_expiry("soon").is_err());
    }
}
