"""The bundle's entry point: the dispatch-desk command, frozen by PyInstaller.

The workstation starts helper processes as ``sys.executable -m MODULE`` (the speech helper). In
a bundle ``sys.executable`` is this program, not a Python, so ``-m MODULE`` is honoured here for
the project's own modules and nothing else.
"""

from __future__ import annotations

import runpy
import sys

_HELPERS = ("dispatch_desk.",)


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "-m" and sys.argv[2].startswith(_HELPERS):
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from ui.main import main as desk_main

    return desk_main()


if __name__ == "__main__":
    sys.exit(main())
