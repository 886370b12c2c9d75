"""Evidence: legal holds on incidents, retention of records, and signed evidence packages."""
