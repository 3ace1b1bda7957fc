# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    service_contract_id = fields.Many2one(
        "service.contract",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    service_period_start = fields.Date(copy=False)
    service_period_end = fields.Date(copy=False)

    def action_view_service_contract(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "service.contract",
            "res_id": self.service_contract_id.id,
            "view_mode": "form",
        }
