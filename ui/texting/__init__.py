"""Text-to-911 in the call-taker window: the conversation panel, the composer, the waiting texts."""
