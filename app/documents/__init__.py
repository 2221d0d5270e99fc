"""The read model (issue #15): each visible point's public representation stored as the
API's JSON bytes, kept current by every write in its own transaction, and served by a lean
path (candidates -> one indexed read -> splice -> bytes)."""
