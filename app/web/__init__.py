"""The shared web kit (layer 0): what every router and dependency would otherwise paste.

- :mod:`app.web.problems`: the OpenAPI ``responses`` entry of a problem+json answer;
- :mod:`app.web.body`: the one reader of JSON request bodies;
- :mod:`app.web.cursors`: the one codec of opaque pagination cursors;
- :mod:`app.web.deps`: typed dependencies (settings, the app's state, the session);
- :mod:`app.web.languages`: the one language negotiation dependency and the one owner of
  ``Content-Language`` and ``Vary: Accept-Language``.
"""
