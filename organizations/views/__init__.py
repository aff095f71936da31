"""HTML views of the organizations app, one module per concern."""
