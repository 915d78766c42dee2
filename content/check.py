#!/usr/bin/env python3
"""Validate the Frontline default content pack.

Usage: python3 content/check.py [CONTENT_DIR]

Checks pack.yaml and every modules/NN-<id>/ folder (module.yaml + lesson.md)
against the rules the pack builder relies on. Prints a one-line summary and
exits non-zero if anything is wrong.
"""
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    print("check.py: PyYAML is required (pip install pyyaml)", file=sys.stderr)
    sys.exit(2)

EXPECTED = [
    ("frontline-basics", "all_staff"),
    ("passwords", "all_staff"),
    ("smartcards-shared-logins", "all_staff"),
    ("phishing", "all_staff"),
    ("screen-lock", "all_staff"),
    ("mobile-device", "all_staff"),
    ("data-on-the-move", "all_staff"),
    ("reporting-incidents", "all_staff"),
    ("advisories-patching", "specialist"),
    ("access-management", "specialist"),
    ("backups-ransomware", "specialist"),
    ("incident-response", "specialist"),
]
AUDIENCES = {"all_staff", "specialist"}
KINDS = {"single", "multiple"}
MIN_QUESTIONS = 5
MIN_LESSON_WORDS = 400


def main(root):
    problems = []

    def fail(where, msg):
        problems.append(f"{where}: {msg}")

    def load(path):
        try:
            with open(path, encoding="utf-8") as f:
                return yaml.safe_load(f)
        except FileNotFoundError:
            fail(path, "missing")
        except yaml.YAMLError as e:
            fail(path, f"invalid YAML: {e}")
        return None

    pack = load(os.path.join(root, "pack.yaml"))
    if isinstance(pack, dict):
        for key in ("id", "version", "language", "title"):
            if key not in pack:
                fail("pack.yaml", f"missing '{key}'")
        if not isinstance(pack.get("version"), int):
            fail("pack.yaml", "version must be an integer")
    elif pack is not None:
        fail("pack.yaml", "must be a mapping")

    mod_root = os.path.join(root, "modules")
    folders = sorted(
        d for d in (os.listdir(mod_root) if os.path.isdir(mod_root) else [])
        if os.path.isdir(os.path.join(mod_root, d))
    )
    if len(folders) != len(EXPECTED):
        fail("modules", f"expected {len(EXPECTED)} module folders, found {len(folders)}")

    seen_ids = set()
    audiences = {"all_staff": 0, "specialist": 0}
    total_q = 0
    total_words = 0

    for folder in folders:
        where = f"modules/{folder}"
        m = re.fullmatch(r"(\d\d)-([a-z0-9-]+)", folder)
        if not m:
            fail(where, "folder must be named NN-<id>")
            continue
        num, folder_id = int(m.group(1)), m.group(2)
        if 1 <= num <= len(EXPECTED):
            exp_id, exp_aud = EXPECTED[num - 1]
            if folder_id != exp_id:
                fail(where, f"folder {num:02d} should be '{exp_id}'")
        else:
            fail(where, "module number out of range")
            exp_id, exp_aud = None, None

        mod = load(os.path.join(mod_root, folder, "module.yaml"))
        if not isinstance(mod, dict):
            if mod is not None:
                fail(where, "module.yaml must be a mapping")
            continue

        mid = mod.get("id")
        if mid != folder_id:
            fail(where, f"id '{mid}' does not match folder name")
        if mid in seen_ids:
            fail(where, f"duplicate id '{mid}'")
        seen_ids.add(mid)

        for key in ("title", "summary"):
            if not isinstance(mod.get(key), str) or not mod[key].strip():
                fail(where, f"'{key}' must be a non-empty string")
        aud = mod.get("audience")
        if aud not in AUDIENCES:
            fail(where, f"audience '{aud}' not in {sorted(AUDIENCES)}")
        else:
            audiences[aud] += 1
            if exp_aud and aud != exp_aud:
                fail(where, f"audience should be '{exp_aud}'")
        for key in ("minutes", "refresher_days"):
            if not isinstance(mod.get(key), int) or isinstance(mod.get(key), bool) or mod[key] <= 0:
                fail(where, f"'{key}' must be a positive integer")
        kp = mod.get("key_points")
        if not isinstance(kp, list) or not 3 <= len(kp) <= 5 or not all(isinstance(k, str) and k.strip() for k in kp):
            fail(where, "key_points must be a list of 3-5 non-empty strings")

        quiz = mod.get("quiz")
        if not isinstance(quiz, dict):
            fail(where, "missing quiz")
            quiz = {}
        pm = quiz.get("pass_mark_percent")
        if not isinstance(pm, int) or isinstance(pm, bool) or not 0 < pm <= 100:
            fail(where, "quiz.pass_mark_percent must be an integer 1-100")
        questions = quiz.get("questions")
        if not isinstance(questions, list):
            fail(where, "quiz.questions must be a list")
            questions = []
        if len(questions) < MIN_QUESTIONS:
            fail(where, f"only {len(questions)} questions (need >= {MIN_QUESTIONS})")
        total_q += len(questions)

        qids = set()
        kinds = set()
        for i, q in enumerate(questions):
            qwhere = f"{where} q[{i}]"
            if not isinstance(q, dict):
                fail(qwhere, "question must be a mapping")
                continue
            qid = q.get("id")
            if not qid or qid in qids:
                fail(qwhere, f"missing or duplicate question id '{qid}'")
            qids.add(qid)
            qwhere = f"{where} {qid}"
            kind = q.get("kind")
            if kind not in KINDS:
                fail(qwhere, f"kind '{kind}' not in {sorted(KINDS)}")
            kinds.add(kind)
            if not isinstance(q.get("prompt"), str) or not q["prompt"].strip():
                fail(qwhere, "empty prompt")
            opts = q.get("options")
            if not isinstance(opts, list) or not 3 <= len(opts) <= 5:
                fail(qwhere, "needs 3-5 options")
                opts = opts if isinstance(opts, list) else []
            oids = []
            for o in opts:
                if not isinstance(o, dict) or not isinstance(o.get("text"), str) or not o["text"].strip():
                    fail(qwhere, f"option {o!r} needs non-empty text")
                    continue
                oids.append(o.get("id"))
                if "feedback" in o and (not isinstance(o["feedback"], str) or not o["feedback"].strip()):
                    fail(qwhere, f"option {o.get('id')} has empty feedback")
            if len(set(oids)) != len(oids) or any(not oid for oid in oids):
                fail(qwhere, "option ids must be present and unique")
            correct = q.get("correct")
            if not isinstance(correct, list) or not correct:
                fail(qwhere, "correct must be a non-empty list")
                correct = []
            if len(set(correct)) != len(correct):
                fail(qwhere, "correct has duplicates")
            for c in correct:
                if c not in oids:
                    fail(qwhere, f"correct id '{c}' is not an option")
            if kind == "single" and len(correct) != 1:
                fail(qwhere, f"single question has {len(correct)} correct answers")
            if kind == "multiple" and len(correct) < 2:
                fail(qwhere, f"multiple question has {len(correct)} correct answers (need >= 2)")
            if not isinstance(q.get("explanation"), str) or not q["explanation"].strip():
                fail(qwhere, "missing explanation")
        if "multiple" not in kinds:
            fail(where, "quiz needs at least one 'multiple' question")

        lesson_path = os.path.join(mod_root, folder, "lesson.md")
        try:
            with open(lesson_path, encoding="utf-8") as f:
                lesson = f.read()
        except FileNotFoundError:
            fail(where, "lesson.md missing")
            continue
        words = len(lesson.split())
        total_words += words
        if words < MIN_LESSON_WORDS:
            fail(where, f"lesson.md has {words} words (need >= {MIN_LESSON_WORDS})")
        first = lesson.lstrip().splitlines()[0] if lesson.strip() else ""
        if first.strip() != f"# {mod.get('title')}":
            fail(where, f"lesson.md must start with '# {mod.get('title')}'")

    expected_ids = {i for i, _ in EXPECTED}
    for missing in sorted(expected_ids - seen_ids):
        fail("modules", f"missing module '{missing}'")
    for extra in sorted(seen_ids - expected_ids):
        fail("modules", f"unexpected module '{extra}'")
    if audiences != {"all_staff": 8, "specialist": 4}:
        fail("modules", f"expected 8 all_staff + 4 specialist, got {audiences}")

    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"FAIL: {len(problems)} problem(s) in {len(folders)} modules")
        return 1
    print(f"OK: {len(folders)} modules ({audiences['all_staff']} all_staff, "
          f"{audiences['specialist']} specialist), {total_q} questions, {total_words} lesson words")
    return 0


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else here))
