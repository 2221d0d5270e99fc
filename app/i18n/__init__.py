"""Language tags, request negotiation and per-field fallback."""
