"""Spoken announcements: phrases put into words, a priority queue, and a speech engine behind a
small interface (pyttsx3 in a helper process, or silent)."""
