# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Selections and recurrence helpers shared by several models (not a model)."""

from dateutil.relativedelta import relativedelta

CONTRACT_TYPES = [
    ("warranty", "Warranty"),
    ("maintenance", "Maintenance"),
    ("assistance", "Assistance"),
]
BILLING_METHODS = [
    ("none", "Not Billed"),
    ("flat_rate", "Flat Rate (periodic fee)"),
    ("time_and_materials", "Time and Materials (executed work)"),
]
INVOICE_STATUSES = [
    ("no", "Nothing to Invoice"),
    ("to_invoice", "To Invoice"),
    ("invoiced", "Invoiced"),
]
INTERVAL_TYPES = [
    ("day", "Day(s)"),
    ("week", "Week(s)"),
    ("month", "Month(s)"),
    ("year", "Year(s)"),
]


def interval_delta(number, interval_type):
    """The relativedelta of ``number`` intervals of ``interval_type``."""
    return relativedelta(**{f"{interval_type}s": number})
