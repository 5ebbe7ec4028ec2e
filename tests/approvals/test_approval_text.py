"""The approval/purchase texts: every key used in the code exists, both locales have the same keys and
placeholders, and an unknown key is an error (never a silently empty message)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cards.text import placeholders
from dialogs.approval_text import TEXTS, say

ROOT = Path(__file__).resolve().parents[2]


def test_locales_have_the_same_keys_and_placeholders():
    assert set(TEXTS["zh-TW"]) == set(TEXTS["en-US"])
    for key, template in TEXTS["en-US"].items():
        assert placeholders(TEXTS["zh-TW"][key]) == placeholders(template), key


def test_every_key_used_in_the_code_exists():
    pattern = re.compile(r"""\bsay\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
    used = set()
    for folder in ("dialogs", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used and not used - set(TEXTS["en-US"])


def test_say_fills_placeholders_falls_back_and_rejects_unknown_keys():
    assert say("notice.not_found", "en-US", request_id="R-1") == ("I can't find approval request R-1. "
                                                                  "It may have been removed.")
    assert "R-1" in say("notice.not_found", "zh-Hant-TW", request_id="R-1")
    assert say("retry.button", "fr-FR") == "Retry the order"
    with pytest.raises(KeyError):
        say("no.such_key")
    with pytest.raises(KeyError):
        say("notice.not_found")
