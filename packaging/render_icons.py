"""Render the application icon (linux/dispatch-desk.svg) to the PNG and ICO the installers need.

    python packaging/render_icons.py OUT_DIR     writes dispatch-desk.png (256 px) and .ico

Uses Qt's own SVG renderer (PySide6.QtSvg), so the build needs nothing beyond the project's
environment. Runs offscreen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(out_dir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(Path(__file__).parent / "linux" / "dispatch-desk.svg"))
    if not renderer.isValid():
        print("render_icons: the SVG icon is not valid", file=sys.stderr)
        return 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for size, name, fmt in ((256, "dispatch-desk.png", "PNG"), (256, "dispatch-desk.ico", "ICO")):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        if not image.save(str(out / name), fmt):
            print(f"render_icons: could not write {out / name} as {fmt}", file=sys.stderr)
            return 1
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
