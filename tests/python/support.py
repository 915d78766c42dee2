"""What the Python binding tests share: a stand-in platform key store and the app's config.

pytest puts this folder on `sys.path` (its default "prepend" import mode), so the tests
`import support`."""

import hashlib
import os

import frontline_core as core


class XorKeyStore(core.KeyStore):
    """Wraps by XOR with a secret pad and a SHA-256 tag: a stand-in for a platform key store.

    A different pad fails the tag and reports the key as permanently unusable, as a platform
    key store does for an invalidated key."""

    def __init__(self, pad=None):
        self.pad = pad or os.urandom(32)
        self.wraps = 0
        self.unwraps = 0

    def _tag(self, body):
        return hashlib.sha256(self.pad + body).digest()[:16]

    def wrap_key(self, key):
        self.wraps += 1
        body = bytes(a ^ b for a, b in zip(key, self.pad))
        return body + self._tag(body)

    def unwrap_key(self, wrapped):
        self.unwraps += 1
        body, tag = wrapped[:-16], wrapped[-16:]
        if len(body) != 32 or tag != self._tag(body):
            raise core.PlatformError.KeyInvalidated("wrapped key failed authentication")
        return bytes(a ^ b for a, b in zip(body, self.pad))


def config(pseudonym, organisation_url="https://example-trust.example"):
    """The app's configuration for a member of staff of the example organisation."""
    return core.CompanionConfig(
        organisation_id="example-trust",
        organisation_url=organisation_url,
        staff_pseudonym=pseudonym,
        staff_role=core.StaffRole.ALL_STAFF,
        collector_url=None,
        enrolment_token=None,
        publisher_key=None,
        org_report_key=None,
        posture_check_request_id=None,
        sync_interval_minutes=60,
    )
