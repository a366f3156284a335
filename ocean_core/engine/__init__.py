"""The resync engine: one run of an integration against a catalog (internal)."""
