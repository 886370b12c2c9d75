"""The tamper-evident audit trail: hash chain, verifier, retention, export (Qt-free)."""
