# The English UI's dates (the Chinese ones are in zh_Hans): 7 December 2026, December 2026.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
