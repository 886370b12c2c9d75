"""Dispatch Desk core: domain, services and storage, with no Qt in it."""

__version__ = "0.1.0"
