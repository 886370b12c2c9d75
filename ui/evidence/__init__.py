"""Evidence at the desk: legal holds and evidence exports from the call-taker window."""
