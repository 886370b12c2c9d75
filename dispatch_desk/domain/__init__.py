"""Domain vocabulary and rules that need no storage: enums, phone numbers, addresses, drafts."""
