# Business dates are ISO in both languages (2026-11-29): unambiguous on both sides of the
# language line. Money is formatted by csol.core.money, not by Django's number formats.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
