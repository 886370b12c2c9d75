"""One key, one command: two window-wide shortcuts on the same keys fire neither (Qt calls it an
ambiguous overload), so a call-taker's key would silently do nothing. Issues add keys side by
side; this catches a clash wherever it comes from."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Make, sign_in

_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


def _window_wide_keys(window) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        if action.shortcutContext() not in _WIDE:
            continue
        for sequence in action.shortcuts():
            if not sequence.isEmpty():
                key = sequence.toString(QKeySequence.SequenceFormat.PortableText)
                found[key].append(action.text().replace("&", "") or action.objectName())
    for shortcut in window.findChildren(QShortcut):
        if shortcut.context() in _WIDE and shortcut.isEnabled() and not shortcut.key().isEmpty():
            key = shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)
            found[key].append(shortcut.objectName() or "QShortcut")
    return found


def test_no_two_window_wide_commands_share_a_key(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    for user in ("calltaker", "supervisor"):
        window = sign_in(qtbot, desk, user, f"{user}-demo")
        keys = _window_wide_keys(window)
        assert len(keys) > 20  # the menus' keys are found at all
        clashes = {key: names for key, names in keys.items() if len(names) > 1}
        assert not clashes, f"{user}: shortcuts on the same keys: {clashes}"
        window.close()
