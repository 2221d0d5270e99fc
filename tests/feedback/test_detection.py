"""The two heuristics, measured on labelled samples committed next to this file.

Both samples were written by hand for these tests (by the engineer who wrote the
heuristics), so the figures are optimistic; they guard against regressions. Run with
``-s`` to see them.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.feedback.language import detect_language
from app.feedback.privacy import redact
from app.feedback.spam import score

DATA = Path(__file__).parent / "data"


def _load(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_spam_heuristic_precision_and_recall():
    sample = _load("spam_sample.json")
    tp = fp = fn = tn = 0
    for item in sample:
        # The heuristic sees what is stored: the redacted text.
        flagged = score(redact(item["text"]).text).is_spam
        if flagged and item["spam"]:
            tp += 1
        elif flagged:
            fp += 1
        elif item["spam"]:
            fn += 1
        else:
            tn += 1
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(
        f"\nspam heuristic on {len(sample)} labelled comments ({tp + fn} spam): "
        f"precision {precision:.3f}, recall {recall:.3f} (tp={tp} fp={fp} fn={fn} tn={tn})"
    )
    assert tp + fn >= 30 and fp + tn >= 50
    assert precision >= 0.95
    assert recall >= 0.85


def test_language_heuristic_precision_and_coverage():
    sample = _load("language_sample.json")
    labelled = [s for s in sample if s["lang"] != "und"]
    answered = correct = 0
    per_language: dict[str, list[int]] = {}
    for item in sample:
        guess = detect_language(item["text"])
        if guess is not None:
            answered += 1
            correct += guess == item["lang"]
        if item["lang"] != "und":
            stats = per_language.setdefault(item["lang"], [0, 0])
            stats[0] += 1
            stats[1] += guess == item["lang"]
    precision, coverage = correct / answered, answered / len(labelled)
    detail = ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in sorted(per_language.items()))
    print(
        f"\nlanguage heuristic on {len(sample)} comments: precision {precision:.3f}, "
        f"coverage {coverage:.3f} ({detail})"
    )
    assert set(per_language) == {"es", "en", "fr", "pt", "ht"}
    assert precision >= 0.95
    assert coverage >= 0.85
    # Nothing is guessed for texts without words.
    assert all(detect_language(s["text"]) is None for s in sample if s["lang"] == "und")
