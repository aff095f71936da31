# Counts in tables read 3,312,282 (groups of three, as statistical tables and financial statements
# print them), not Django's default for zh-hans (groups of four with no separator: 3312282). Only
# displayed numbers change: USE_THOUSAND_SEPARATOR stays off, so form inputs are not grouped.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

# Dates as Chinese officials write them (templates use the names: date:"DATE_FORMAT"), so the
# English UI shows its own form instead of 2026年12月7日.
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
