//! The organisation's keys as JSON Web Keys (RFC 7517), octet key pairs (RFC 8037).
//!
//! One format for every key file Frontline reads or writes, so the CLI (`frontline keys`,
//! `frontline bundle sign`, `frontline pack build`), the collector and managed-config parsing
//! agree on it:
//!
//! ```json
//! {"kty":"OKP","crv":"Ed25519","x":"<b64url 32>","d":"<b64url 32>","kid":"<key_id(x)>"}
//! ```
//!
//! * `crv` is `Ed25519` (the bundle publisher key, signatures) or `X25519` (the organisation's
//!   report key, HPKE).
//! * `x` is the 32-byte public key, `d` (private files only) the 32-byte private key: the
//!   RFC 8032 seed for Ed25519, the RFC 7748 scalar for X25519. base64url without padding.
//! * `kid` is [`key_id`] of `x`. A file whose `kid` names another key is refused, so a key id
//!   on the wire always identifies the key that made it. A missing `kid` is derived.
//! * Other members (`use`, `alg`, …) are ignored on reading.
//!
//! Pure parsing and serialising: no file access, no logging. For Ed25519 the private half is
//! checked against the public half on reading; for X25519 (which ring cannot compute from a
//! fixed private key) the caller that uses the private key checks it (the collector does, with
//! its HPKE implementation). Error messages never quote key material.

use serde::{Deserialize, Serialize};

use super::{b64url, from_b64url, key_id, SigningKey};
use crate::error::{Error, Result};

/// Length of every OKP key Frontline uses (public and private), in bytes.
pub const OKP_KEY_LEN: usize = 32;

/// The curve of an octet key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OkpCurve {
    /// Ed25519 signatures (the bundle publisher key, device identities).
    Ed25519,
    /// X25519 key agreement (the organisation's report key).
    X25519,
}

impl OkpCurve {
    /// The JWK `crv` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ed25519 => "Ed25519",
            Self::X25519 => "X25519",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "Ed25519" => Some(Self::Ed25519),
            "X25519" => Some(Self::X25519),
            _ => None,
        }
    }
}

/// An OKP JSON Web Key: a public key, optionally with its private half.
#[derive(Clone, PartialEq, Eq)]
pub struct OkpJwk {
    /// The curve.
    pub crv: OkpCurve,
    /// The 32-byte public key.
    pub x: Vec<u8>,
    /// The 32-byte private key, in private key files only.
    pub d: Option<Vec<u8>>,
    /// The key id: [`key_id`] of `x`.
    pub kid: String,
}

impl std::fmt::Debug for OkpJwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OkpJwk")
            .field("crv", &self.crv)
            .field("kid", &self.kid)
            .field("private", &self.d.is_some())
            .finish()
    }
}

impl Drop for OkpJwk {
    fn drop(&mut self) {
        if let Some(d) = self.d.as_mut() {
            d.iter_mut().for_each(|b| *b = 0);
        }
    }
}

/// The JSON shape, member for member.
#[derive(Serialize, Deserialize)]
struct RawJwk {
    kty: String,
    crv: String,
    x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
}

fn invalid(what: &str) -> Error {
    Error::InvalidInput(format!("key file: {what}"))
}

fn key_bytes(text: &str, what: &str) -> Result<Vec<u8>> {
    let bytes = from_b64url(text).map_err(|_| invalid(what))?;
    if bytes.len() != OKP_KEY_LEN {
        return Err(invalid(what));
    }
    Ok(bytes)
}

impl OkpJwk {
    /// A public key on `crv`, its `kid` derived.
    pub fn public(crv: OkpCurve, x: &[u8]) -> Result<Self> {
        if x.len() != OKP_KEY_LEN {
            return Err(invalid("the public key is not 32 bytes"));
        }
        Ok(Self {
            crv,
            x: x.to_vec(),
            d: None,
            kid: key_id(x),
        })
    }

    /// A private key on `crv` with its public half `x`. The caller vouches that they match
    /// (they are checked for Ed25519 when parsed back).
    pub fn private(crv: OkpCurve, x: &[u8], d: &[u8]) -> Result<Self> {
        if d.len() != OKP_KEY_LEN {
            return Err(invalid("the private key is not 32 bytes"));
        }
        let mut key = Self::public(crv, x)?;
        key.d = Some(d.to_vec());
        Ok(key)
    }

    /// The private JWK of an Ed25519 signing key.
    pub fn from_signing_key(key: &SigningKey) -> Result<Self> {
        Self::private(OkpCurve::Ed25519, &key.public_key(), key.seed())
    }

    /// Parses a JWK, checking the key type, curve, lengths, `kid` and (Ed25519) that the
    /// private half matches the public half.
    pub fn parse(text: &str) -> Result<Self> {
        let raw: RawJwk = serde_json::from_str(text).map_err(|_| invalid("not an OKP JWK"))?;
        if raw.kty != "OKP" {
            return Err(invalid("kty is not OKP"));
        }
        let crv = OkpCurve::parse(&raw.crv).ok_or_else(|| invalid("unsupported crv"))?;
        let x = key_bytes(&raw.x, "x is not a base64url 32-byte key")?;
        let kid = key_id(&x);
        if let Some(given) = raw.kid.as_deref() {
            if given != kid {
                return Err(invalid("kid does not match the key"));
            }
        }
        let d = match raw.d.as_deref() {
            Some(text) => Some(key_bytes(text, "d is not a base64url 32-byte key")?),
            None => None,
        };
        let key = Self { crv, x, d, kid };
        if crv == OkpCurve::Ed25519 && key.d.is_some() {
            let signing = key.signing_key()?;
            if signing.public_key() != key.x {
                return Err(invalid("the private key does not match the public key"));
            }
        }
        Ok(key)
    }

    /// Parses a JWK and checks it is on `crv` (and private, if `need_private`).
    pub fn parse_expecting(text: &str, crv: OkpCurve, need_private: bool) -> Result<Self> {
        let key = Self::parse(text)?;
        if key.crv != crv {
            return Err(invalid("the key is on another curve"));
        }
        if need_private && key.d.is_none() {
            return Err(invalid("a private key is needed"));
        }
        Ok(key)
    }

    /// The JWK as pretty-printed JSON (with `d` if this is a private key).
    pub fn to_json(&self) -> String {
        let raw = RawJwk {
            kty: String::from("OKP"),
            crv: self.crv.as_str().to_owned(),
            x: b64url(&self.x),
            d: self.d.as_deref().map(b64url),
            kid: Some(self.kid.clone()),
        };
        // Serialising plain strings cannot fail; fall back to the compact form regardless.
        serde_json::to_string_pretty(&raw).unwrap_or_default()
    }

    /// The public half alone.
    pub fn to_public(&self) -> Self {
        Self {
            crv: self.crv,
            x: self.x.clone(),
            d: None,
            kid: self.kid.clone(),
        }
    }

    /// Whether this key holds its private half.
    pub fn is_private(&self) -> bool {
        self.d.is_some()
    }

    /// The public key as base64url (the form managed configuration carries).
    pub fn x_b64url(&self) -> String {
        b64url(&self.x)
    }

    /// The Ed25519 signing key of a private Ed25519 JWK.
    pub fn signing_key(&self) -> Result<SigningKey> {
        if self.crv != OkpCurve::Ed25519 {
            return Err(invalid("not an Ed25519 key"));
        }
        let d = self
            .d
            .as_deref()
            .ok_or_else(|| invalid("a private key is needed"))?;
        SigningKey::from_seed(d).map_err(|_| invalid("d is not an Ed25519 seed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_private_key_round_trips() {
        let signing = SigningKey::generate().unwrap();
        let jwk = OkpJwk::from_signing_key(&signing).unwrap();
        let text = jwk.to_json();
        let back = OkpJwk::parse(&text).unwrap();
        assert_eq!(back, jwk);
        assert_eq!(back.kid, key_id(&signing.public_key()));
        assert_eq!(
            back.signing_key().unwrap().public_key(),
            signing.public_key()
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["kty"], "OKP");
        assert_eq!(value["crv"], "Ed25519");
        let public = OkpJwk::parse(&jwk.to_public().to_json()).unwrap();
        assert!(!public.is_private());
        assert!(!public.to_json().contains("\"d\""));
        assert!(public.signing_key().is_err());
    }

    #[test]
    fn x25519_key_round_trips_and_curve_is_checked() {
        let x = [7u8; 32];
        let d = [9u8; 32];
        let jwk = OkpJwk::private(OkpCurve::X25519, &x, &d).unwrap();
        let back = OkpJwk::parse_expecting(&jwk.to_json(), OkpCurve::X25519, true).unwrap();
        assert_eq!(back.d.as_deref(), Some(&d[..]));
        assert!(OkpJwk::parse_expecting(&jwk.to_json(), OkpCurve::Ed25519, false).is_err());
        let public = jwk.to_public().to_json();
        assert!(OkpJwk::parse_expecting(&public, OkpCurve::X25519, true).is_err());
        assert!(OkpJwk::parse_expecting(&public, OkpCurve::X25519, false).is_ok());
    }

    #[test]
    fn rfc8037_example_key_parses() {
        // RFC 8037 appendix A.1/A.2 (kid added: ours is derived, the RFC has none).
        let text = r#"{"kty":"OKP","crv":"Ed25519",
            "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
        let jwk = OkpJwk::parse(text).unwrap();
        assert_eq!(jwk.crv, OkpCurve::Ed25519);
        assert_eq!(jwk.kid, key_id(&jwk.x));
    }

    #[test]
    fn bad_key_files_are_refused_without_quoting_them() {
        let signing = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let x = b64url(&signing.public_key());
        let d_other = b64url(other.seed());
        let cases = [
            String::from("not json"),
            format!(r#"{{"kty":"EC","crv":"Ed25519","x":"{x}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed448","x":"{x}"}}"#),
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#.to_owned(),
            r#"{"kty":"OKP","crv":"Ed25519","x":"!!not base64!!"}"#.to_owned(),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"wrong"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","d":"{d_other}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","d":"AAAA"}}"#),
        ];
        for case in cases {
            let err = OkpJwk::parse(&case).unwrap_err().to_string();
            assert!(!err.contains(&x) && !err.contains(&d_other), "{err}");
        }
    }

    #[test]
    fn debug_hides_the_private_key() {
        let jwk = OkpJwk::private(OkpCurve::X25519, &[1u8; 32], &[2u8; 32]).unwrap();
        let shown = format!("{jwk:?}");
        assert!(!shown.contains(&b64url(&[2u8; 32])));
        assert!(shown.contains("private: true"));
    }
}
