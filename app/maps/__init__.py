"""Maps at any zoom: grid clusters (``/v1/points/clusters``) and vector tiles."""
