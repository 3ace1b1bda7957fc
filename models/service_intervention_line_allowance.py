# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .service_document_mixin import is_trusted

# written by the consumption when the intervention is done, never by hand
ALLOWANCE_FIELDS = {
    "allowance_contract_id",
    "allowance_hours",
    "allowance_left",
    "allowance_period_start",
}


class ServiceInterventionLine(models.Model):
    _inherit = "service.intervention.line"

    # consumption of the contract's prepaid hours, written when the
    # intervention is done (service.intervention._allowance_consume), cleared
    # when it is re-opened
    allowance_contract_id = fields.Many2one(
        "service.contract",
        string="Prepaid Hours Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    allowance_hours = fields.Float(
        string="Prepaid Hours Used", copy=False, readonly=True, digits="Product Unit"
    )
    allowance_left = fields.Float(
        string="Prepaid Hours Left After",
        copy=False,
        readonly=True,
        digits="Product Unit",
    )
    allowance_period_start = fields.Date(copy=False, readonly=True)

    @api.depends(
        "allowance_hours",
        "allowance_left",
        "intervention_id.allowance_visit",
        "intervention_id.allowance_visits_left",
    )
    def _compute_coverage(self):
        return super()._compute_coverage()

    def _service_coverage(self):
        """Prepaid hours and included visits pay the whole line."""
        self.ensure_one()
        if self.line_type == "activity" and self.allowance_hours:
            return 100.0, self.env._(
                "Prepaid hours: %(left)s of %(total)s h left after this line",
                left=f"{self.allowance_left:g}",
                total=f"{self.allowance_contract_id.allowance_hours:g}",
            )
        if (
            self.line_type in ("travel", "mileage")
            and self.intervention_id.allowance_visit
        ):
            contract = self.intervention_id.contract_id
            return 100.0, self.env._(
                "Included visit: %(left)s of %(total)s left",
                left=self.intervention_id.allowance_visits_left,
                total=contract.allowance_visits,
            )
        return super()._service_coverage()

    def _check_line_change(self, fnames=None):
        if (
            fnames is not None
            and ALLOWANCE_FIELDS & set(fnames)
            and not is_trusted(self)
        ):
            raise UserError(
                self.env._(
                    "The prepaid hours a line uses are counted when its "
                    "intervention is done: they cannot be changed by hand."
                )
            )
        return super()._check_line_change(fnames)

    def _allowance_overage_values(self, quantity):
        """The values of the line that bills the ``quantity`` of this line
        beyond the prepaid hours: the same work, at the same price, covered
        as the contract covers labour."""
        self.ensure_one()
        values = {
            "intervention_id": self.intervention_id.id,
            "line_type": self.line_type,
            "activity_type_id": self.activity_type_id.id,
            "protocol_step_id": self.protocol_step_id.id,
            "date": self.date,
            "name": self.name,
            "quantity": quantity,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "product_id": self.product_id.id,
            "uom_id": self.uom_id.id,
            "employee_id": self.employee_id.id,
            "object_lot_id": self.object_lot_id.id,
            "object_id": self.object_id.id,
            "billable": self.billable,
            "done": self.done,
            "sequence": self.sequence,
        }
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        return values
