//! HPKE (RFC 9180) sender, base mode, on ring: the seal that makes an outbox envelope
//! readable only by the organisation.
//!
//! Suite: DHKEM(X25519, HKDF-SHA256) `0x0020`, HKDF-SHA256 `0x0001`, AES-256-GCM `0x0002`.
//! ring only offers ephemeral X25519 keys, which is exactly what a sender needs (`skE` is
//! used once and dropped); this module therefore has no receiver. `LabeledExtract` is
//! HMAC-SHA256 over the labelled input (ring's HKDF hides the extracted key) and
//! `LabeledExpand` is ring's HKDF-Expand on that key (`Prk::new_less_safe`).
//!
//! The RFC's test vectors check the key schedule and every encryption; the whole seal is
//! checked by opening it with independent implementations (the `hpke` crate, `pyhpke`).
//! Nothing here logs key material or plaintext.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, X25519};
use ring::hkdf;
use ring::hmac;
use ring::rand::SystemRandom;

use crate::error::{Error, Result};

/// KEM identifier of DHKEM(X25519, HKDF-SHA256).
pub const KEM_ID: u16 = 0x0020;
/// KDF identifier of HKDF-SHA256.
pub const KDF_ID: u16 = 0x0001;
/// AEAD identifier of AES-256-GCM.
pub const AEAD_ID: u16 = 0x0002;
/// Length of an X25519 public key and of the encapsulated key `enc`.
pub const X25519_KEY_LEN: usize = 32;

const N_SECRET: usize = 32; // Nsecret of DHKEM(X25519, HKDF-SHA256)
const N_H: usize = 32; // Nh of HKDF-SHA256
const N_K: usize = 32; // Nk of AES-256-GCM
const MODE_BASE: u8 = 0x00;

/// The result of a single-shot seal: the encapsulated key and the ciphertext (with its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// `enc`: the sender's ephemeral X25519 public key (32 bytes).
    pub enc: Vec<u8>,
    /// The AES-256-GCM ciphertext followed by the 16-byte tag.
    pub ct: Vec<u8>,
}

/// Seals `plaintext` to the X25519 public key `pk_r` (single shot, sequence number 0) with
/// `info` bound into the key schedule and `aad` authenticated alongside.
pub fn seal(pk_r: &[u8], info: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Sealed> {
    let pk_r: [u8; X25519_KEY_LEN] = pk_r
        .try_into()
        .map_err(|_| Error::InvalidInput(String::from("report key is not 32 bytes")))?;
    let (enc, shared_secret) = encap(&pk_r)?;
    let context = key_schedule(AEAD_ID, &shared_secret, info)?;
    let ct = context.seal(0, aad, plaintext)?;
    Ok(Sealed { enc, ct })
}

/// Encap(pkR): a fresh ephemeral key, the Diffie-Hellman value and ExtractAndExpand.
/// ring refuses an all-zero shared value (a low-order `pk_r`), as RFC 9180 §7.1.4 requires.
fn encap(pk_r: &[u8; X25519_KEY_LEN]) -> Result<(Vec<u8>, [u8; N_SECRET])> {
    let rng = SystemRandom::new();
    let sk_e = EphemeralPrivateKey::generate(&X25519, &rng).map_err(|_| Error::Crypto)?;
    let pk_e = sk_e.compute_public_key().map_err(|_| Error::Crypto)?;
    let enc = pk_e.as_ref().to_vec();
    let shared = agreement::agree_ephemeral(sk_e, &UnparsedPublicKey::new(&X25519, pk_r), |dh| {
        extract_and_expand(dh, &enc, pk_r)
    })
    .map_err(|_| Error::InvalidInput(String::from("report key is not a usable X25519 key")))??;
    Ok((enc, shared))
}

/// ExtractAndExpand(dh, kem_context = enc || pkR) of DHKEM (RFC 9180 §4.1).
fn extract_and_expand(dh: &[u8], enc: &[u8], pk_r: &[u8]) -> Result<[u8; N_SECRET]> {
    let suite = kem_suite_id();
    let eae_prk = labeled_extract(&suite, b"", b"eae_prk", dh);
    let mut kem_context = Vec::with_capacity(enc.len() + pk_r.len());
    kem_context.extend_from_slice(enc);
    kem_context.extend_from_slice(pk_r);
    let mut out = [0u8; N_SECRET];
    labeled_expand(&suite, &eae_prk, b"shared_secret", &kem_context, &mut out)?;
    Ok(out)
}

fn kem_suite_id() -> Vec<u8> {
    let mut id = b"KEM".to_vec();
    id.extend_from_slice(&KEM_ID.to_be_bytes());
    id
}

fn hpke_suite_id(aead_id: u16) -> Vec<u8> {
    let mut id = b"HPKE".to_vec();
    id.extend_from_slice(&KEM_ID.to_be_bytes());
    id.extend_from_slice(&KDF_ID.to_be_bytes());
    id.extend_from_slice(&aead_id.to_be_bytes());
    id
}

/// LabeledExtract(salt, label, ikm) = HMAC-SHA256(salt, "HPKE-v1" || suite_id || label || ikm).
/// An empty salt is the HMAC key of no bytes, which HMAC pads to the same block as Nh zeros.
fn labeled_extract(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> [u8; N_H] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"HPKE-v1");
    ctx.update(suite_id);
    ctx.update(label);
    ctx.update(ikm);
    let tag = ctx.sign();
    let mut out = [0u8; N_H];
    out.copy_from_slice(tag.as_ref());
    out
}

struct OutLen(usize);

impl hkdf::KeyType for OutLen {
    fn len(&self) -> usize {
        self.0
    }
}

/// LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id
/// || label || info, L), writing L = `out.len()` bytes.
fn labeled_expand(
    suite_id: &[u8],
    prk: &[u8; N_H],
    label: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let len = u16::try_from(out.len())
        .map_err(|_| Error::Crypto)?
        .to_be_bytes();
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, prk);
    let parts: [&[u8]; 5] = [&len, b"HPKE-v1", suite_id, label, info];
    let okm = prk
        .expand(&parts, OutLen(out.len()))
        .map_err(|_| Error::Crypto)?;
    okm.fill(out).map_err(|_| Error::Crypto)
}

/// The encryption context of the key schedule (RFC 9180 §5.1), base mode.
pub(crate) struct Context {
    key: [u8; N_K],
    base_nonce: [u8; NONCE_LEN],
    exporter_secret: [u8; N_H],
}

impl Drop for Context {
    fn drop(&mut self) {
        self.key.iter_mut().for_each(|b| *b = 0);
        self.exporter_secret.iter_mut().for_each(|b| *b = 0);
    }
}

/// KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "") for the suite with
/// `aead_id` (its id is part of `suite_id`; key length 32 as for both AES-256-GCM and
/// ChaCha20-Poly1305).
pub(crate) fn key_schedule(aead_id: u16, shared_secret: &[u8], info: &[u8]) -> Result<Context> {
    let suite = hpke_suite_id(aead_id);
    let psk_id_hash = labeled_extract(&suite, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(&suite, b"", b"info_hash", info);
    let mut ks_context = Vec::with_capacity(1 + 2 * N_H);
    ks_context.push(MODE_BASE);
    ks_context.extend_from_slice(&psk_id_hash);
    ks_context.extend_from_slice(&info_hash);
    let secret = labeled_extract(&suite, shared_secret, b"secret", b"");
    let mut context = Context {
        key: [0u8; N_K],
        base_nonce: [0u8; NONCE_LEN],
        exporter_secret: [0u8; N_H],
    };
    labeled_expand(&suite, &secret, b"key", &ks_context, &mut context.key)?;
    labeled_expand(
        &suite,
        &secret,
        b"base_nonce",
        &ks_context,
        &mut context.base_nonce,
    )?;
    labeled_expand(
        &suite,
        &secret,
        b"exp",
        &ks_context,
        &mut context.exporter_secret,
    )?;
    Ok(context)
}

impl Context {
    /// The nonce for sequence number `seq`: base_nonce XOR I2OSP(seq, Nn).
    fn nonce(&self, seq: u64) -> [u8; NONCE_LEN] {
        let mut nonce = self.base_nonce;
        for (n, s) in nonce[NONCE_LEN - 8..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        nonce
    }

    /// ContextS.Seal at sequence number `seq` with AES-256-GCM.
    pub(crate) fn seal(&self, seq: u64, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let unbound = UnboundKey::new(&AES_256_GCM, &self.key).map_err(|_| Error::Crypto)?;
        let key = LessSafeKey::new(unbound);
        let mut body = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(self.nonce(seq)),
            Aad::from(aad),
            &mut body,
        )
        .map_err(|_| Error::Crypto)?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hpke::aead::AesGcm256;
    use hpke::kdf::HkdfSha256;
    use hpke::kem::X25519HkdfSha256;
    use hpke::{Deserializable, Kem as _, Serializable};

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn vectors() -> Vec<serde_json::Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/hpke-rfc9180-x25519-sha256-base.json"
        );
        let text = std::fs::read_to_string(path).expect("RFC 9180 vectors in ../shared/vectors");
        serde_json::from_str(&text).unwrap()
    }

    fn field(v: &serde_json::Value, name: &str) -> Vec<u8> {
        hex(v[name].as_str().unwrap())
    }

    #[test]
    fn rfc9180_key_schedule_matches_every_vector() {
        let vectors = vectors();
        assert!(!vectors.is_empty());
        for v in &vectors {
            assert_eq!(v["mode"], 0);
            assert_eq!(v["kem_id"], 32);
            assert_eq!(v["kdf_id"], 1);
            let aead_id = u16::try_from(v["aead_id"].as_u64().unwrap()).unwrap();
            let ctx = key_schedule(aead_id, &field(v, "shared_secret"), &field(v, "info")).unwrap();
            assert_eq!(ctx.key.to_vec(), field(v, "key"), "key, aead {aead_id}");
            assert_eq!(
                ctx.base_nonce.to_vec(),
                field(v, "base_nonce"),
                "base_nonce"
            );
            assert_eq!(
                ctx.exporter_secret.to_vec(),
                field(v, "exporter_secret"),
                "exporter"
            );
        }
    }

    #[test]
    fn rfc9180_every_aes_256_gcm_encryption_matches() {
        let vectors = vectors();
        let mut checked = 0;
        for v in vectors.iter().filter(|v| v["aead_id"] == 2) {
            let ctx = key_schedule(AEAD_ID, &field(v, "shared_secret"), &field(v, "info")).unwrap();
            for (seq, e) in v["encryptions"].as_array().unwrap().iter().enumerate() {
                let seq = u64::try_from(seq).unwrap();
                assert_eq!(ctx.nonce(seq).to_vec(), field(e, "nonce"), "nonce {seq}");
                let ct = ctx.seal(seq, &field(e, "aad"), &field(e, "pt")).unwrap();
                assert_eq!(ct, field(e, "ct"), "ciphertext {seq}");
                checked += 1;
            }
        }
        // The CFRG file has 257 encryptions for this suite (sequence 0..=256, crossing a byte).
        assert_eq!(checked, 257);
    }

    #[test]
    fn rfc9180_kem_extract_and_expand_matches() {
        // ring cannot import the vector's fixed ephemeral key, so the DH value comes from an
        // independent X25519 (x25519-dalek); ExtractAndExpand is ours.
        for v in &vectors() {
            let sk_e: [u8; 32] = field(v, "skEm").try_into().unwrap();
            let pk_r: [u8; 32] = field(v, "pkRm").try_into().unwrap();
            let dh = x25519_dalek::StaticSecret::from(sk_e)
                .diffie_hellman(&x25519_dalek::PublicKey::from(pk_r));
            assert_eq!(
                x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(sk_e))
                    .as_bytes()
                    .to_vec(),
                field(v, "enc")
            );
            let ss = extract_and_expand(dh.as_bytes(), &field(v, "enc"), &pk_r).unwrap();
            assert_eq!(ss.to_vec(), field(v, "shared_secret"));
        }
    }

    fn receiver() -> (<X25519HkdfSha256 as hpke::Kem>::PrivateKey, Vec<u8>) {
        let ikm = crate::crypto::random_bytes(32).unwrap();
        let (sk, pk) = X25519HkdfSha256::derive_keypair(&ikm);
        (sk, pk.to_bytes().to_vec())
    }

    fn open(
        sk: &<X25519HkdfSha256 as hpke::Kem>::PrivateKey,
        enc: &[u8],
        ct: &[u8],
        info: &[u8],
        aad: &[u8],
    ) -> Option<Vec<u8>> {
        let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(enc).ok()?;
        hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
            &hpke::OpModeR::Base,
            sk,
            &enc,
            info,
            ct,
            aad,
        )
        .ok()
    }

    #[test]
    fn seal_opens_with_the_hpke_crate() {
        let (sk, pk) = receiver();
        let sealed = seal(&pk, b"info", b"aad", b"a posture report").unwrap();
        assert_eq!(sealed.enc.len(), 32);
        assert_eq!(sealed.ct.len(), b"a posture report".len() + 16);
        let plain = open(&sk, &sealed.enc, &sealed.ct, b"info", b"aad").unwrap();
        assert_eq!(plain, b"a posture report");
        // Each seal uses a fresh ephemeral key.
        let again = seal(&pk, b"info", b"aad", b"a posture report").unwrap();
        assert_ne!(again.enc, sealed.enc);
        assert_ne!(again.ct, sealed.ct);
    }

    #[test]
    fn any_flipped_byte_fails_to_open() {
        let (sk, pk) = receiver();
        let (info, aad) = (
            b"frontline-envelope/1\0kid".to_vec(),
            b"header bytes".to_vec(),
        );
        let sealed = seal(&pk, &info, &aad, b"report").unwrap();
        assert!(open(&sk, &sealed.enc, &sealed.ct, &info, &aad).is_some());
        for i in 0..sealed.enc.len() {
            let mut enc = sealed.enc.clone();
            enc[i] ^= 0x01;
            assert!(
                open(&sk, &enc, &sealed.ct, &info, &aad).is_none(),
                "enc {i}"
            );
        }
        for i in 0..sealed.ct.len() {
            let mut ct = sealed.ct.clone();
            ct[i] ^= 0x01;
            assert!(open(&sk, &sealed.enc, &ct, &info, &aad).is_none(), "ct {i}");
        }
        for i in 0..info.len() {
            let mut bad = info.clone();
            bad[i] ^= 0x01;
            assert!(
                open(&sk, &sealed.enc, &sealed.ct, &bad, &aad).is_none(),
                "info {i}"
            );
        }
        for i in 0..aad.len() {
            let mut bad = aad.clone();
            bad[i] ^= 0x01;
            assert!(
                open(&sk, &sealed.enc, &sealed.ct, &info, &bad).is_none(),
                "aad {i}"
            );
        }
        // Another organisation's key cannot open it either.
        let (other, _) = receiver();
        assert!(open(&other, &sealed.enc, &sealed.ct, &info, &aad).is_none());
    }

    #[test]
    fn bad_recipient_keys_are_refused() {
        assert!(matches!(
            seal(&[1u8; 31], b"", b"", b"x"),
            Err(Error::InvalidInput(_))
        ));
        // The all-zero point gives an all-zero shared value, which must be refused.
        assert!(matches!(
            seal(&[0u8; 32], b"", b"", b"x"),
            Err(Error::InvalidInput(_))
        ));
    }
}
