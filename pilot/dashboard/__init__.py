"""The ministry's dashboard (试点总览): the speech's headline figures computed from the data, by
month, province, org, certificate and institution, with the lists behind them.

Figures come from rollups (``models``) that a task refreshes (``rollups``): live aggregation over
millions of registrations cannot answer in the time an official waits for a page.
"""
