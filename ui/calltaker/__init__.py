"""The call-taker window: incoming calls, intake form, queue, history and unit status board."""
