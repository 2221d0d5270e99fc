"""The shared HTTP kit every face uses (request bodies, cursors, problem responses)."""
