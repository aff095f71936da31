"""HTML views of the certificates app, one module per concern."""
