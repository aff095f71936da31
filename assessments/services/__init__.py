"""Writes of the assessments app, one module per concern: filings (备案), bulk filing imports,
trainer qualifications."""
