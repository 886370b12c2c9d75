"""The project's one piece of C: the camera wall's frame callbacks (dispatch_desk/cameras/
_native/frames.c, loaded with ctypes). Everything else is in pyproject.toml.

Optional: without a C compiler the install goes on, and the wall runs the same steps in Python
(``--self-test`` says which)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "dispatch_desk.cameras._native.frames",
            sources=["dispatch_desk/cameras/_native/frames.c"],
            optional=True,
        )
    ]
)
