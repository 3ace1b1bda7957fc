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


# who sees internal costs and margins: officers and billing users
COST_GROUPS = "service_management.group_service_officer,account.group_account_invoice"
# who may read service contracts / executed work next to an invoice; other
# invoice readers (purchase users...) must still open invoices
CONTRACT_READERS = (
    "service_management.group_service_technician,sales_team.group_sale_salesman,"
    "account.group_account_invoice,account.group_account_readonly"
)
WORK_READERS = (
    "service_management.group_service_technician,account.group_account_invoice,"
    "account.group_account_readonly"
)
# who may read the invoices of a service document
INVOICE_READERS = "account.group_account_invoice,account.group_account_readonly"
# who may read the installed base (stock users read serials anyway)
LOT_READERS = (
    "service_management.group_service_technician,stock.group_stock_user,"
    "sales_team.group_sale_salesman,account.group_account_invoice"
)


# the longest span one invoicing interval or renewal term may cover: beyond
# it dates leave the calendar (and nobody bills once a century)
MAX_INTERVAL_NUMBER = {"day": 3660, "week": 520, "month": 120, "year": 10}
MAX_RENEWAL_MONTHS = 120
# rough days per unit, to land close to the period of a date before stepping
UNIT_DAYS = {"day": 1, "week": 7, "month": 28, "year": 365}


def period_bounds(start, number, interval_type, day):
    """(first day, last day) of the period containing ``day`` when periods
    of ``number`` ``interval_type`` are counted from ``start``: the k-th
    period starts at ``start + k × interval``, never chained from the
    previous one, so month ends do not drift (31 Jan, 28 Feb, 31 Mar, 30 Apr).

    :raise OverflowError, ValueError: when the dates leave the calendar
    """
    if day < start:
        return start, start + interval_delta(number, interval_type) - relativedelta(
            days=1
        )
    k = max(int((day - start).days / (UNIT_DAYS[interval_type] * number)) - 1, 0)
    while start + interval_delta(number * (k + 1), interval_type) <= day:
        k += 1
    while k and start + interval_delta(number * k, interval_type) > day:
        k -= 1
    return (
        start + interval_delta(number * k, interval_type),
        start + interval_delta(number * (k + 1), interval_type) - relativedelta(days=1),
    )
