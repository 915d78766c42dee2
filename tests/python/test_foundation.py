"""The foundation through the generated Python bindings (build/bindings, loaded with the host
library beside them): a key store written in Python, open / shutdown / reopen, the typed errors
for a failing or different key store, a Rust panic arriving as an exception, and a log sink that
receives records without the pseudonym or the data directory."""

import hashlib
import os
import threading

import pytest

import frontline_core as core
import frontline_ffi as ffi
import support
from support import XorKeyStore

PSEUDONYM = "stf-py-51c0e8aa"


class FailingKeyStore(core.KeyStore):
    """A locked key store: every call fails."""

    def wrap_key(self, key):
        raise core.PlatformError.Failed("keystore locked")

    def unwrap_key(self, wrapped):
        raise core.PlatformError.Failed("keystore locked")


class WrongKeyStore(core.KeyStore):
    """Hands back some other 32-byte key than the one it wrapped."""

    def wrap_key(self, key):
        return b"\x07" * 32

    def unwrap_key(self, wrapped):
        return os.urandom(32)


class CapturingSink(ffi.LogSink):
    def __init__(self):
        self.lock = threading.Lock()
        self.records = []

    def log(self, record):
        with self.lock:
            self.records.append(record)


def config(pseudonym=PSEUDONYM):
    return support.config(pseudonym)


def db_digest(data_dir):
    with open(os.path.join(data_dir, "frontline.db"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_open_shutdown_reopen(tmp_path):
    key_store = XorKeyStore()
    first = ffi.Companion(str(tmp_path), config(), key_store)
    assert key_store.wraps == 1 and key_store.unwraps == 0
    assert first.schema_version() >= 1
    assert first.config().staff_pseudonym == PSEUDONYM

    first.shutdown()
    with pytest.raises(ffi.FrontlineError.Closed):
        first.schema_version()
    first.shutdown()  # harmless

    second = ffi.Companion(str(tmp_path), config(), key_store)
    assert key_store.wraps == 1 and key_store.unwraps == 1
    assert second.config().staff_role == core.StaffRole.ALL_STAFF
    second.shutdown()
    assert ffi.frontline_version()


def test_failing_key_store_is_typed_and_changes_nothing(tmp_path):
    with pytest.raises(ffi.FrontlineError.KeyStoreUnavailable):
        ffi.Companion(str(tmp_path), config(), FailingKeyStore())

    key_store = XorKeyStore()
    ffi.Companion(str(tmp_path), config(), key_store).shutdown()
    before = db_digest(tmp_path)
    with pytest.raises(ffi.FrontlineError.KeyStoreUnavailable):
        ffi.Companion(str(tmp_path), config(), FailingKeyStore())
    assert db_digest(tmp_path) == before
    ffi.Companion(str(tmp_path), config(), key_store).shutdown()


def test_different_key_is_key_mismatch(tmp_path):
    key_store = XorKeyStore()
    ffi.Companion(str(tmp_path), config(), key_store).shutdown()
    before = db_digest(tmp_path)
    # Another platform key cannot open the wrapped blob (KeyInvalidated from the store)...
    with pytest.raises(ffi.FrontlineError.KeyMismatch):
        ffi.Companion(str(tmp_path), config(), XorKeyStore())
    # ...and a store that hands back some other key is caught by the check value.
    with pytest.raises(ffi.FrontlineError.KeyMismatch):
        ffi.Companion(str(tmp_path), config(), WrongKeyStore())
    assert db_digest(tmp_path) == before
    ffi.Companion(str(tmp_path), config(), key_store).shutdown()


def test_missing_directory_is_typed(tmp_path):
    with pytest.raises(ffi.FrontlineError.DataDirectory) as caught:
        ffi.Companion(str(tmp_path / "absent"), config(), XorKeyStore())
    assert caught.value.problem == core.DataDirProblem.MISSING


def test_panic_is_an_exception_and_companion_keeps_working(tmp_path):
    companion = ffi.Companion(str(tmp_path), config(), XorKeyStore())
    with pytest.raises(ffi.InternalError, match="from the Python test"):
        ffi.debug_panic("from the Python test")
    assert companion.schema_version() >= 1
    assert companion.config().staff_pseudonym == PSEUDONYM
    companion.shutdown()


def test_log_sink_gets_records_without_pseudonym_or_path(tmp_path):
    sink = CapturingSink()
    ffi.set_log_sink(sink, ffi.LogLevel.TRACE)
    key_store = XorKeyStore()
    ffi.Companion(str(tmp_path), config(), key_store).shutdown()
    ffi.Companion(str(tmp_path), config(), key_store).shutdown()
    with sink.lock:
        records = list(sink.records)
    assert records, "the sink received no records"
    assert any(r.target.startswith("frontline") for r in records)
    for r in records:
        assert PSEUDONYM not in r.message
        assert str(tmp_path) not in r.message
        assert tmp_path.name not in r.message
