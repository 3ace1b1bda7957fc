# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.fields import Command
from odoo.tools import float_round

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

    def _service_prepare_credit_line_values(self, label, credited_days, billed_days):
        """The credit note line of this contract invoice line: its price
        for ``credited_days`` of the ``billed_days`` it billed, its own
        taxes, account and analytic distribution; ``label`` added to its
        description."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Product Price")
        values = {
            "product_id": self.product_id.id,
            "name": f"{self.name}\n{label}",
            "quantity": self.quantity,
            "product_uom_id": self.product_uom_id.id,
            "price_unit": float_round(
                self.price_unit * credited_days / billed_days,
                precision_digits=digits,
            ),
            "discount": self.discount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
            "account_id": self.account_id.id,
            "service_contract_id": self.move_id.service_contract_id.id,
        }
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        return values
