"""Writes of the organizations app, one module per concern (orgs, seals, complaints, institutions)."""
