# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .service_write_policy_mixin import MANAGER


class ServiceProtocolStep(models.Model):
    _name = "service.protocol.step"
    _description = "Service Protocol Step"
    _inherit = ["service.write.policy.mixin"]
    # configuration: the service administrator's
    _write_policy_default = MANAGER
    _order = "protocol_id, sequence, id"
    _check_company_auto = True

    protocol_id = fields.Many2one(
        "service.protocol",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="protocol_id.company_id", store=True, index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True, translate=True)
    activity_type_id = fields.Many2one(
        "service.activity.type", check_company=True, ondelete="restrict"
    )
    planned_hours = fields.Float(
        compute="_compute_planned_hours", store=True, readonly=False, precompute=True
    )
    instructions = fields.Html()
    product_id = fields.Many2one(
        "product.product",
        string="Spare Part",
        check_company=True,
        help="Spare part normally used in this step.",
    )
    product_qty = fields.Float(
        string="Part Quantity", digits="Product Unit", default=1.0
    )
    mandatory = fields.Boolean(
        help="The step must be ticked before the intervention can be finished."
    )
    deadline_days = fields.Integer(
        string="Deadline (days)",
        help="Days from the start of the job within which this step is due; "
        "a step not done by then shows as late. 0: no deadline.",
    )

    _planned_hours_positive = models.Constraint(
        "CHECK(planned_hours >= 0)",
        "The planned hours of a protocol step cannot be negative.",
    )
    _deadline_days_positive = models.Constraint(
        "CHECK(deadline_days >= 0)",
        "The deadline of a protocol step counts days from the start of the "
        "job: it cannot be negative.",
    )
    _product_qty_positive = models.Constraint(
        "CHECK(product_qty >= 0)",
        "The spare part quantity of a protocol step cannot be negative.",
    )

    @api.depends("activity_type_id")
    def _compute_planned_hours(self):
        for step in self:
            if step.activity_type_id and not step.planned_hours:
                step.planned_hours = step.activity_type_id.default_duration
            elif not step.planned_hours:
                step.planned_hours = 0.0
