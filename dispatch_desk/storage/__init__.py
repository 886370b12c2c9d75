"""The local store: SQLite in WAL mode now, the same schema on PostgreSQL centrally."""
