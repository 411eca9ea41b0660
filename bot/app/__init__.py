"""Use cases: the conversation, both sides of a hand-off, privacy; and their ports."""
