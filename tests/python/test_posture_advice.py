"""Posture advice through the generated Python bindings: the words for the facts' platform,
the organisation's contacts from managed configuration, and the record's fields."""

import pytest

import frontline_core as core
import frontline_ffi as ffi
import support
from support import XorKeyStore


def iphone_without_passcode():
    return core.DeviceFacts(
        platform=core.Platform.IOS,
        os_version="27.1.1",
        secure_lock_screen=False,
        storage_encryption=core.StorageEncryption.DATA_PROTECTION_OFF,
        root_signals=[],
    )


def rooted_android():
    return core.DeviceFacts(
        platform=core.Platform.ANDROID,
        os_version="15",
        security_patch="2026-11-01",
        secure_lock_screen=True,
        lock_complexity=core.LockComplexity.MEDIUM,
        storage_encryption=core.StorageEncryption.ACTIVE_PER_USER,
        developer_options=False,
        usb_debugging=False,
        unknown_sources=False,
        root_signals=[core.RootSignal.SU_BINARY, core.RootSignal.MAGISK_PACKAGE],
    )


def by_id(advice, check_id):
    return next(c for c in advice.checks if c.check_id == check_id)


def test_advice_follows_the_platform_and_names_the_desk(tmp_path):
    companion = ffi.Companion(str(tmp_path), support.config("stf-py-advice"), XorKeyStore())
    assert companion.posture_advice() is None
    contacts = companion.organisation_contacts()
    assert contacts.org_name is None and contacts.it_service_desk_phone is None

    companion.check_posture(iphone_without_passcode(), core.PostureTrigger.USER())
    ios = companion.posture_advice()
    assert ios.verdict == core.Verdict.IN_GRACE
    assert ios.headline.startswith("Needs fixing by ")
    lock = by_id(ios, "screen_lock")
    assert lock.status == core.CheckStatus.FAIL
    assert any("Face ID & Passcode" in step for step in lock.steps)
    assert lock.settings_target == "app-settings:"
    assert not any((c.settings_target or "").startswith("android.") for c in ios.checks)

    companion.check_posture(rooted_android(), core.PostureTrigger.USER())
    root = by_id(companion.posture_advice(), "root_jailbreak")
    assert root.status_words == "Stop using this phone for patient data"
    assert any("your IT service desk" in step for step in root.steps)

    companion.apply_managed_config(
        {"it_service_desk_phone": "0300 123 4567", "it_service_desk_url": "https://desk.example.nhs.uk"}
    )
    root = by_id(companion.posture_advice(), "root_jailbreak")
    assert "your IT service desk on 0300 123 4567 or at https://desk.example.nhs.uk" in root.cannot_fix
    assert root.settings_target is None
    assert companion.organisation_contacts().it_service_desk_url == "https://desk.example.nhs.uk"
    companion.shutdown()


def test_a_bad_contact_is_refused_by_key(tmp_path):
    companion = ffi.Companion(str(tmp_path), support.config("stf-py-advice"), XorKeyStore())
    with pytest.raises(ffi.FrontlineError.InvalidConfig) as refused:
        companion.apply_managed_config({"it_service_desk_url": "http://desk.example.nhs.uk"})
    assert [(p.key, p.problem) for p in refused.value.problems] == [
        ("it_service_desk_url", core.ConfigProblemKind.INSECURE_URL)
    ]
    assert companion.organisation_contacts().it_service_desk_url is None
    companion.shutdown()
