# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.fields import Command

from .account_move import INVOICERS
from .selections import CONTRACT_READERS, WORK_READERS


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "service.write.policy.mixin"]
    _write_policy = {
        "service_contract_id": INVOICERS,
        "service_intervention_line_ids": INVOICERS,
    }

    service_contract_id = fields.Many2one(
        "service.contract",
        index="btree_not_null",
        copy=False,
        check_company=True,
        groups=CONTRACT_READERS,
    )
    service_intervention_line_ids = fields.Many2many(
        "service.intervention.line",
        "service_intervention_line_account_move_line_rel",
        "move_line_id",
        "intervention_line_id",
        string="Intervention Lines",
        copy=False,
        readonly=True,
        groups=WORK_READERS,
    )

    def _copy_data_extend_business_fields(self, values):
        # a credit note (or the invoice that replaces a reversed one) credits
        # the fees of the same contract and the same executed work: the
        # profitability of the contract nets them
        result = super()._copy_data_extend_business_fields(values)
        line = self.sudo()
        if line.service_contract_id:
            values["service_contract_id"] = line.service_contract_id.id
        if line.service_intervention_line_ids:
            values["service_intervention_line_ids"] = [
                Command.set(line.service_intervention_line_ids.ids)
            ]
        return result
