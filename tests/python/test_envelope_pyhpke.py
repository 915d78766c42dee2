"""A Frontline envelope opens with pyhpke, an HPKE implementation independent of the device's
(ring) and the collector's (the Rust hpke crate), following only docs/wire-formats.md: info and
aad rebuilt from the envelope's fields, the device signature checked with `cryptography`, and
any flipped byte of enc, ct, info or aad refused."""

import base64
import json
import pathlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "envelopes" / "sample.json"
SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def sample():
    return json.loads(FIXTURE.read_text())


def header(env):
    parts = ["frontline-envelope/1", env["id"], env["kind"], env["created_at"], env["device_id"]]
    return b"\x00".join(p.encode() for p in parts)


def info(env):
    return b"frontline-envelope/1\x00" + env["kid"].encode()


def open_envelope(sample, enc, ct, info_bytes, aad):
    skr = KEMKey.from_jwk(sample["org_private_jwk"])
    recipient = SUITE.create_recipient_context(enc, skr, info=info_bytes)
    return recipient.open(ct, aad=aad)


def test_envelope_opens_and_signature_verifies(sample):
    env = sample["envelope"]
    plain = open_envelope(sample, b64url(env["enc"]), b64url(env["ct"]), info(env), header(env))
    signed = json.loads(plain)
    report_bytes = b64url(signed["report"])
    message = b"frontline-report/1\x00" + header(env) + b"\x00" + report_bytes
    device_key = Ed25519PublicKey.from_public_bytes(b64url(sample["device_public_key"]))
    device_key.verify(b64url(signed["signature"]), message)  # raises if the signature is bad
    report = json.loads(report_bytes)
    assert report == sample["expected_report"]
    assert report["kind"] == env["kind"]
    assert report["device_id"] == env["device_id"]
    assert report["created_at"] == env["created_at"]
    with pytest.raises(InvalidSignature):
        device_key.verify(b64url(signed["signature"]), message + b" ")


def test_kid_names_the_organisation_key(sample):
    import hashlib

    x = b64url(sample["org_private_jwk"]["x"])
    kid = base64.urlsafe_b64encode(hashlib.sha256(x).digest()[:8]).rstrip(b"=").decode()
    assert kid == sample["envelope"]["kid"] == sample["org_private_jwk"]["kid"]


def flips(data):
    for i in range(len(data)):
        yield i, data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def test_any_flipped_byte_fails(sample):
    env = sample["envelope"]
    enc, ct, inf, aad = b64url(env["enc"]), b64url(env["ct"]), info(env), header(env)
    assert open_envelope(sample, enc, ct, inf, aad)
    cases = [
        ("enc", lambda b: (b, ct, inf, aad), enc),
        ("ct", lambda b: (enc, b, inf, aad), ct),
        ("info", lambda b: (enc, ct, b, aad), inf),
        ("aad", lambda b: (enc, ct, inf, b), aad),
    ]
    for name, build, original in cases:
        for i, bad in flips(original):
            with pytest.raises(Exception):
                open_envelope(sample, *build(bad))
                pytest.fail(f"{name} byte {i} flipped still opened")
