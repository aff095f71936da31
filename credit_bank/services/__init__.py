"""Every write of the credit bank: outcomes and the catalog, rules and limits, conversions, transcripts."""
