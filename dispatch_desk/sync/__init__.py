"""Offline-first sync between a workstation's SQLite cache and the central PostgreSQL.

- :mod:`hlc`: the hybrid logical clock that orders writes across workstations.
- :mod:`codec`: which tables sync and how a row travels as JSON.
- :mod:`capture`: local writes put their changes in the outbox, in the same transaction.
- :mod:`merge`: the rules that decide, per field, which write a row keeps (pure, shared).
- :mod:`local` and :mod:`central`: applying a merge plan to SQLite and to PostgreSQL.
- :mod:`engine`: the thread that pushes, pulls, listens and reports its status.
"""
