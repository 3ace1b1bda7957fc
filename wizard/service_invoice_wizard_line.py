# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models.service_write_policy_mixin import ANYONE


class ServiceInvoiceWizardLine(models.TransientModel):
    _name = "service.invoice.wizard.line"
    _description = "Service Invoice Preview Line"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _order = "partner_id, kind, period_start"

    wizard_id = fields.Many2one(
        "service.invoice.wizard", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Customer")
    kind = fields.Selection([("contract", "Contract"), ("work", "Executed Work")])
    contract_id = fields.Many2one("service.contract")
    origin = fields.Char()
    period_start = fields.Date()
    period_end = fields.Date()
    currency_id = fields.Many2one("res.currency")
    amount_untaxed = fields.Monetary(string="Untaxed")
    amount_total = fields.Monetary(string="Total")
    warnings = fields.Char()
