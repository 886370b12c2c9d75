"""Messages to and from callers: SMS now (loopback until the texting issue brings Twilio)."""
