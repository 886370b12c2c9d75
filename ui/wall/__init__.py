"""The camera wall: tiles of live camera streams."""
