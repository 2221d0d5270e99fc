"""Service areas: services that serve a place without a door there (hotlines, online
services, mobile teams), by whole countries, a polygon or a radius (docs/service-areas.md)."""
