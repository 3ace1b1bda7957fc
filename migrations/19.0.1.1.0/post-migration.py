# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Contracts invoiced before periods were counted from the start: their next
invoice date is set again from their invoices (the days they cover are
skipped), and the order lines that sold them point to them."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    contracts = env["service.contract"].search(
        [
            ("state", "in", ("running", "expired", "closed")),
            ("billing_method", "=", "flat_rate"),
        ]
    )
    contracts._reset_next_invoice_date()
    for contract in env["service.contract"].search([("sale_line_id", "!=", False)]):
        contract.sale_line_id.service_contract_id = contract
