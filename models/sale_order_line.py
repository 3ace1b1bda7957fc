# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.fields import Command

from .service_write_policy_mixin import SYSTEM


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "service.write.policy.mixin"]

    # set by the confirmation of the order, never by hand
    _write_policy = {"service_contract_id": SYSTEM}

    # the contract this line sold: it bills the fee, not the order
    service_contract_id = fields.Many2one(
        "service.contract",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    @api.depends("service_contract_id")
    def _compute_qty_to_invoice(self):
        """A line that sold a service contract is invoiced through its
        contract, period by period: nothing to invoice on the order (as OCA
        ``product_contract``), so its fee is never billed twice."""
        result = super()._compute_qty_to_invoice()
        for line in self:
            if line.service_contract_id:
                line.qty_to_invoice = 0.0
        return result

    @api.depends("service_contract_id")
    def _compute_untaxed_amount_to_invoice(self):
        result = super()._compute_untaxed_amount_to_invoice()
        for line in self:
            if line.service_contract_id:
                line.untaxed_amount_to_invoice = 0.0
        return result

    def _service_prepare_contract_line_values(self):
        """The values of the contract fee line this sale line sells."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "name": self.name,
            "quantity": self.product_uom_qty,
            "uom_id": self.product_uom_id.id,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
        }
