"""Citizen live sessions at the desk: the invite dialog and one window per live session."""
