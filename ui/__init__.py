"""PySide6 presentation of Dispatch Desk: windows, widgets, item models and the app's entry."""
