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
