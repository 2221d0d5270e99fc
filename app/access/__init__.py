"""Who is acting and what they may do: the ``Principal``, the ``Role`` enum and ``authorize``.

The access rule lives here, below every domain that checks it (audit records the principal,
accounts builds it from credentials, every write service authorizes with it). It imports
nothing of the domains.
"""
