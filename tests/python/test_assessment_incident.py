"""The self-assessment and incident reports through the generated Python bindings: the rooted
phone's posture answers the device questions (measured, not contradictable) and the device
area scores low with its lesson; an incident filed offline is the first envelope of the next
sync request; bad forms are typed errors and store nothing."""

import json

import pytest

import frontline_core as core
import frontline_ffi as ffi
import support
from support import XorKeyStore

ORG_KEY = "TB75awvtpEGv27HxteeeMQdkr-naf9SdAS0493GNiDo"


def rooted_phone():
    """tests/fixtures/devices/rooted-phone.json as the probe reports it."""
    return core.DeviceFacts(
        platform=core.Platform.ANDROID,
        os_version="15",
        security_patch="2026-11-01",
        secure_lock_screen=True,
        lock_complexity=core.LockComplexity.MEDIUM,
        storage_encryption=core.StorageEncryption.ACTIVE_PER_USER,
        developer_options=True,
        usb_debugging=True,
        unknown_sources=False,
        root_signals=[core.RootSignal.SU_BINARY, core.RootSignal.MAGISK_PACKAGE,
                      core.RootSignal.TEST_KEYS],
    )


def test_rooted_phone_assessment_is_prefilled_and_scores_the_device_area_low(tmp_path):
    app = ffi.Companion(str(tmp_path), support.config("stf-py-assess"), XorKeyStore())
    app.check_posture(rooted_phone(), core.PostureTrigger.USER())
    session = app.start_assessment(None)
    rooted = next(q for q in session.questions if q.id == "dv_not_rooted")
    assert rooted.measured and rooted.answer == "no"
    assert rooted.evidence.startswith("checked by this device: ")
    with pytest.raises(ffi.FrontlineError.AssessmentRefused) as caught:
        app.answer_assessment("dv_not_rooted", "yes")
    assert isinstance(caught.value.reason, core.AssessmentRefusal.MEASURED_ANSWER)
    with pytest.raises(ffi.FrontlineError.AssessmentRefused) as caught:
        app.submit_assessment()
    assert isinstance(caught.value.reason, core.AssessmentRefusal.INCOMPLETE)
    # The first option of every default question is its best one.
    for q in [q for q in session.questions if not q.measured]:
        session = app.answer_assessment(q.id, q.options[0].id)
    result = app.submit_assessment()
    first = result.areas[0]
    assert first.area == core.AssessmentArea.DEVICE_LOCKING
    assert first.score_percent <= 25 and first.band == core.ScoreBand.WEAK
    assert first.findings[0].question_id == "dv_not_rooted"
    assert first.findings[0].lesson_id == "mobile-device"
    assert app.outbox_status().pending == 2  # the posture report and the assessment
    app.shutdown()


def test_incident_filed_offline_goes_first_and_bad_forms_store_nothing(tmp_path):
    config = support.config("stf-py-incident")
    config.collector_url = "https://collector.example-trust.example"
    config.org_report_key = ORG_KEY
    app = ffi.Companion(str(tmp_path), config, XorKeyStore())
    with pytest.raises(ffi.FrontlineError.IncidentRefused) as caught:
        app.report_incident(core.IncidentForm(
            kind=core.IncidentKind.OTHER, occurred_at_ms=None, description="x" * 1001,
            on_behalf_of_colleague=False))
    assert isinstance(caught.value.reason, core.IncidentRefusal.DESCRIPTION_TOO_LONG)
    assert app.incidents() == []
    assert app.outbox_status().pending == 0
    for module in app.training_modules():
        app.lesson_viewed(module.id)
    waiting = app.outbox_status().pending
    assert waiting >= 5
    filed = app.report_incident(core.IncidentForm(
        kind=core.IncidentKind.PHISHING_ENTERED_PASSWORD, occurred_at_ms=None,
        description="typed my password into a fake NHSmail page", on_behalf_of_colleague=False))
    assert filed.advice.headline.startswith("Change your NHSmail password now")
    advice = app.incident_advice(core.IncidentKind.LOST_OR_STOLEN_DEVICE)
    assert "your IT service desk" in advice.contact
    request = app.next_sync_request()
    envelopes = json.loads(bytes(request.body))["envelopes"]
    assert envelopes[0]["kind"] == "incident"
    assert len(envelopes) == waiting + 1
    assert all(e["kind"] == "training_statement" for e in envelopes[1:])
    app.shutdown()
