# Counts in tables read 3,312,282 (groups of three, as statistical tables and financial statements
# print them), not Django's default for zh-hans (groups of four with no separator: 3312282). Only
# displayed numbers change: USE_THOUSAND_SEPARATOR stays off, so form inputs are not grouped.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
