"""NENA EIDO (NENA-STA-021, JSON): an incident as the document centres exchange, out and in."""
