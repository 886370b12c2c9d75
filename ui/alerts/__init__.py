"""The alert list, its status-bar counter and the voice dialog."""
