from __future__ import annotations

import pytest

from dispatch_desk.messaging.keywords import Keyword, classify


@pytest.mark.parametrize(
    ("body", "keyword", "language"),
    [
        ("STOP", Keyword.STOP, "en"),
        (" stop ", Keyword.STOP, "en"),
        ("Stop.", Keyword.STOP, "en"),
        ("stop all", Keyword.STOP, "en"),
        ("STOPALL", Keyword.STOP, "en"),
        ("Unsubscribe", Keyword.STOP, "en"),
        ("cancel", Keyword.STOP, "en"),
        ("END", Keyword.STOP, "en"),
        ("quit!", Keyword.STOP, "en"),
        ("opt-out", Keyword.STOP, "en"),
        ("revoke", Keyword.STOP, "en"),
        ("Parar", Keyword.STOP, "es"),
        ("ALTO", Keyword.STOP, "es"),
        ("start", Keyword.START, "en"),
        ("Yes", Keyword.START, "en"),
        ("unstop", Keyword.START, "en"),
        ("OPT IN", Keyword.START, "en"),
        ("help", Keyword.HELP, "en"),
        ("INFO", Keyword.HELP, "en"),
        ("¡Ayuda!", Keyword.HELP, "es"),
        ("\tHELP\n", Keyword.HELP, "en"),
    ],
)
def test_keywords(body: str, keyword: Keyword, language: str) -> None:
    found = classify(body)
    assert found is not None and found.keyword == keyword and found.language == language


@pytest.mark.parametrize(
    "body", ["please stop texting me", "help me he has a gun", "3", "", "STOPP", "yes please"]
)
def test_sentences_are_not_keywords(body: str) -> None:
    assert classify(body) is None
