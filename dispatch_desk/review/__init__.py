"""Supervisor review: find incidents and their sessions, build one timeline of everything that
happened, open recordings (supervisors and admins only, audited), bookmarks and notes."""
