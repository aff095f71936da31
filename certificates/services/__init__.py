"""Writes of the certificates app, one module per concern (catalog, batches, ...)."""
