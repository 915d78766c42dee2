"""Training statements checked by independent xAPI 1.0.3 validators.

Real statements come from the core through the generated Python bindings (build/bindings): a
member of staff views a lesson, fails the quiz, then passes it. Each statement queued is then
checked by two validators that share no code with Frontline:

* Learning Locker's `@learninglocker/xapi-validation` (npm; the validator of a conformance-tested
  LRS), run with node; installed on first use into the tool cache ($FRONTLINE_TOOLS, set by
  scripts/tools.sh; default ~/.cache/frontline) under npm-xapi-validation;
* Rustici's TinCanPython (`tincan` on PyPI), which parses every member into typed objects and
  refuses malformed ids, timestamps, durations and language maps.

A broken statement is fed to both as a control, so a validator that accepts everything fails
the test instead of passing it.
"""

import copy
import json
import os
import shutil
import subprocess

import pytest
import tincan

import frontline_core as core
import frontline_ffi as ffi
import support
from support import XorKeyStore

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VALIDATOR_VERSION = "3.0.0"
TOOLS = os.environ.get("FRONTLINE_TOOLS") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "frontline"
)
VALIDATOR_DIR = os.path.join(TOOLS, "npm-xapi-validation")
ORG_URL = "https://example-trust.example"
PSEUDONYM = "stf-xapi-0c1d"
MODULE = "passwords"

NODE_CHECK = r"""
const validate = require('@learninglocker/xapi-validation').default;
const statements = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const out = statements.map((s) => validate(s).map((w) => ({
  path: w.path, kind: w.constructor && w.constructor.name, message: String(w.message || ''),
})));
console.log(JSON.stringify(out));
"""


def config():
    return support.config(PSEUDONYM, organisation_url=ORG_URL)


def default_module(module_id):
    with open(os.path.join(ROOT, "core", "assets", "default-pack.json"), encoding="utf-8") as f:
        pack = json.load(f)
    return next(m for m in pack["modules"] if m["id"] == module_id)


def answers(module, right):
    out = []
    for q in module["quiz"]["questions"]:
        if right:
            picked = q["correct"]
        else:
            picked = [next(o["id"] for o in q["options"] if o["id"] not in q["correct"])]
        out.append(core.QuizAnswer(question_id=q["id"], option_ids=picked))
    return out


@pytest.fixture(scope="module")
def statements(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("device")
    companion = ffi.Companion(str(data_dir), config(), XorKeyStore())
    try:
        module = default_module(MODULE)
        detail = companion.training_module(MODULE)
        companion.lesson_viewed(MODULE)
        failed = companion.submit_quiz(MODULE, detail.pack_version, answers(module, False))
        assert not failed.passed
        passed = companion.submit_quiz(MODULE, detail.pack_version, answers(module, True))
        assert passed.passed and passed.score_percent == 100
        texts = companion.recent_training_statements(50)
    finally:
        companion.shutdown()
    return [json.loads(t) for t in reversed(texts)]


def learning_locker(statements, tmp_path):
    node = shutil.which("node")
    npm = shutil.which("npm")
    assert node and npm, "node and npm are needed for the xAPI validator"
    package = os.path.join(VALIDATOR_DIR, "node_modules", "@learninglocker", "xapi-validation")
    if not os.path.isdir(package):
        subprocess.run(
            [npm, "install", "--prefix", VALIDATOR_DIR, "--no-audit", "--no-fund", "--silent",
             f"@learninglocker/xapi-validation@{VALIDATOR_VERSION}"],
            check=True, timeout=600,
        )
    script = tmp_path / "check.js"
    script.write_text(NODE_CHECK)
    data = tmp_path / "statements.json"
    data.write_text(json.dumps(statements))
    env = dict(os.environ, NODE_PATH=os.path.join(VALIDATOR_DIR, "node_modules"))
    run = subprocess.run([node, str(script), str(data)], check=True, capture_output=True,
                         text=True, env=env, timeout=120)
    return json.loads(run.stdout)


def broken(statement):
    bad = copy.deepcopy(statement)
    bad["id"] = "not-a-uuid"
    bad["timestamp"] = "yesterday"
    bad["actor"] = {"objectType": "Agent", "mbox": "nurse-at-example"}
    bad["verb"]["display"] = {"not a language": "passed"}
    bad["result"] = {"duration": "4 minutes", "score": {"scaled": 2}}
    return bad


def test_the_journey_queues_the_expected_statements(statements):
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]
    assert verbs == ["experienced", "attempted", "failed", "attempted", "passed", "completed"]
    for s in statements:
        assert s["version"] == "1.0.3"
        assert s["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": ORG_URL, "name": PSEUDONYM},
        }
        assert "mbox" not in json.dumps(s)
        assert s["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/")
        assert s["object"]["id"].startswith(f"{ORG_URL}/xapi/activities/frontline-default/{MODULE}")
        assert s["context"]["platform"] == "Frontline"
    assert len({s["id"] for s in statements}) == len(statements)
    assert len({s["context"]["registration"] for s in statements}) == 1
    types = [s["object"]["definition"]["type"].rsplit("/", 1)[1] for s in statements]
    assert types == ["lesson", "assessment", "assessment", "assessment", "assessment", "module"]


def test_learning_locker_validator_accepts_every_statement(statements, tmp_path):
    control = broken(statements[4])
    results = learning_locker(statements + [control], tmp_path)
    for statement, warnings in zip(statements, results):
        assert warnings == [], (statement["verb"]["id"], warnings)
    assert len(results[-1]) >= 4, "the validator accepted a broken statement"


def test_tincan_parses_every_statement(statements):
    for s in statements:
        parsed = tincan.Statement(s)
        assert str(parsed.id) == s["id"]
        assert parsed.actor.account.name == PSEUDONYM
        assert parsed.verb.id == s["verb"]["id"]
        assert parsed.object.id == s["object"]["id"]
        assert str(parsed.context.registration) == s["context"]["registration"]
        if "result" in s:
            assert parsed.result.score.max == s["result"]["score"]["max"]
            assert 0 <= parsed.result.score.scaled <= 1
            assert parsed.result.duration.total_seconds() >= 0
        again = json.loads(parsed.to_json(tincan.Version.latest))
        assert again["verb"]["id"] == s["verb"]["id"]
    control = broken(statements[4])
    for member in ("id", "timestamp"):
        bad = copy.deepcopy(statements[4])
        bad[member] = control[member]
        with pytest.raises(ValueError):
            tincan.Statement(bad)


def test_answer_feedback_judges_one_question_and_records_nothing(tmp_path):
    companion = ffi.Companion(str(tmp_path), config(), XorKeyStore())
    try:
        module = default_module(MODULE)
        detail = companion.training_module(MODULE)
        question = module["quiz"]["questions"][0]
        wrong = next(o for o in question["options"] if o["id"] not in question["correct"])
        right = companion.answer_feedback(
            MODULE, detail.pack_version,
            core.QuizAnswer(question_id=question["id"], option_ids=question["correct"]))
        assert right.correct and right.explanation == question["explanation"]
        missed = companion.answer_feedback(
            MODULE, detail.pack_version,
            core.QuizAnswer(question_id=question["id"], option_ids=[wrong["id"]]))
        assert not missed.correct
        assert missed.correct_option_ids == question["correct"]
        assert missed.feedback == [wrong["feedback"]]
        with pytest.raises(ffi.FrontlineError.TrainingRefused) as refused:
            companion.answer_feedback(
                MODULE, detail.pack_version,
                core.QuizAnswer(question_id=question["id"], option_ids=["z"]))
        assert refused.value.reason == core.TrainingRefusal.UNKNOWN_OPTION
        assert companion.recent_training_statements(50) == []
    finally:
        companion.shutdown()
