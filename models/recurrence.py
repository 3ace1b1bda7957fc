# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recurrence helpers shared by protocols and contracts (not a model)."""

from dateutil.relativedelta import relativedelta

INTERVAL_TYPES = [
    ("day", "Day(s)"),
    ("week", "Week(s)"),
    ("month", "Month(s)"),
    ("year", "Year(s)"),
]


def interval_delta(number, interval_type):
    """The relativedelta of ``number`` intervals of ``interval_type``."""
    return relativedelta(**{f"{interval_type}s": number})
