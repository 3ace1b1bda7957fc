# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prepaid hours consumed by a work line: written when the intervention is
done (``service.intervention.allowance._consume_prepaid_hours``), cleared
when it is re-opened; they pay the whole line.

A concern of ``service.intervention.line`` (listed in its ``_inherit``): its
coverage and its change checks call the steps below."""

from odoo import fields, models
from odoo.exceptions import UserError

from .service_document_mixin import is_trusted, trusted
from .service_write_policy_mixin import SYSTEM

# written by the consumption when the intervention is done, never by hand
ALLOWANCE_FIELDS = {
    "allowance_contract_id",
    "allowance_hours",
    "allowance_left",
    "allowance_period_start",
}
# what the line billing the hours beyond the prepaid ones copies of the line
OVERAGE_FIELDS = (
    "line_type",
    "date",
    "name",
    "price_unit",
    "discount",
    "billable",
    "done",
    "sequence",
)
OVERAGE_RELATIONS = (
    "intervention_id",
    "activity_type_id",
    "protocol_step_id",
    "product_id",
    "uom_id",
    "employee_id",
    "object_lot_id",
    "object_id",
)


class ServiceInterventionLineAllowance(models.AbstractModel):
    _name = "service.intervention.line.allowance"
    _description = "Work Line Prepaid Hours"
    _write_policy = dict.fromkeys(ALLOWANCE_FIELDS, SYSTEM)

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

    def _allowance_coverage(self):
        """(100, reason) when prepaid hours or an included visit pay the
        whole line, else None."""
        self.ensure_one()
        if self.line_type == "activity" and self.allowance_hours:
            return 100.0, self.env._(
                "Prepaid hours: %(left)s of %(total)s h left after this line",
                left=f"{self.allowance_left:g}",
                total=f"{self.allowance_contract_id.allowance_hours:g}",
            )
        job = self.intervention_id
        if self.line_type in ("travel", "mileage") and job.allowance_visit:
            return 100.0, self.env._(
                "Included visit: %(left)s of %(total)s left",
                left=job.allowance_visits_left,
                total=job.contract_id.allowance_visits,
            )
        return None

    def _check_allowance_change(self, fnames=None):
        if fnames is None or not ALLOWANCE_FIELDS & set(fnames) or is_trusted(self):
            return
        raise UserError(
            self.env._(
                "The prepaid hours a line uses are counted when its "
                "intervention is done: they cannot be changed by hand."
            )
        )

    def _allowance_release_hours(self):
        """Clear the prepaid hours these lines used."""
        lines = self.filtered("allowance_hours")
        if lines:
            trusted(lines).write(
                {
                    "allowance_contract_id": False,
                    "allowance_hours": 0.0,
                    "allowance_left": 0.0,
                    "allowance_period_start": False,
                }
            )

    def _allowance_overage_values(self, quantity):
        """The values of the line that bills the ``quantity`` of this line
        beyond the prepaid hours: the same work, at the same price, covered
        as the contract covers labour."""
        self.ensure_one()
        values = {fname: self[fname] for fname in OVERAGE_FIELDS}
        values.update({fname: self[fname].id for fname in OVERAGE_RELATIONS})
        values["quantity"] = quantity
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        return values
