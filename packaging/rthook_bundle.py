# PyInstaller runtime hook: point libVLC and espeak-ng at what the bundle carries.
# Runs before the application's code, inside the frozen program only.
import os
import sys

_root = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
_vlc_lib = os.path.join(_root, "libvlc.dll" if sys.platform == "win32" else "libvlc.so.5")
_vlc_plugins = os.path.join(_root, "vlc", "plugins")
if os.path.exists(_vlc_lib) and os.path.isdir(_vlc_plugins):
    os.environ.setdefault("PYTHON_VLC_LIB_PATH", _vlc_lib)
    os.environ.setdefault("PYTHON_VLC_MODULE_PATH", _vlc_plugins)
    os.environ.setdefault("VLC_PLUGIN_PATH", _vlc_plugins)
_espeak_data = os.path.join(_root, "espeak-ng-data")
if os.path.isdir(_espeak_data):
    # espeak-ng looks for "espeak-ng-data" inside this folder.
    os.environ.setdefault("ESPEAK_DATA_PATH", _root)
