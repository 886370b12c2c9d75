"""What a webhook delivers, processed once per MessageSid (skeleton; filled in next)."""

from __future__ import annotations
