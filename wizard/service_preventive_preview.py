# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from ..models.service_document_mixin import reopen_wizard
from ..models.service_write_policy_mixin import ANYONE


class ServicePreventivePreview(models.TransientModel):
    """What the preventive scheduled action would create in the next days,
    computed by the same code, without creating it."""

    _name = "service.preventive.preview"
    _description = "Preview of Preventive Planning"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _numeric_bounds = {"days": (0, 3660)}

    days = fields.Integer(
        string="Next Days",
        required=True,
        default=lambda self: self.env.company.service_preventive_horizon_days,
    )
    line_ids = fields.One2many(
        "service.preventive.preview.line", "preview_id", string="Would Create"
    )
    line_count = fields.Integer(compute="_compute_line_count", string="Jobs")

    def _compute_line_count(self):
        for preview in self:
            preview.line_count = len(preview.line_ids)

    def action_preview(self):
        self.ensure_one()
        if self.days < 0:
            raise UserError(self.env._("Preview zero or more days ahead."))
        planned = self.env["service.planning"]._generate_preventive(
            dry_run=True, horizon_days=self.days
        )
        self.line_ids = [Command.clear()] + [
            Command.create(
                {
                    "partner_id": values["partner_id"],
                    "contract_id": values.get("contract_id"),
                    "protocol_id": values["protocol_id"],
                    "due_date": values.get("preventive_due_date"),
                    "technician_id": values.get("technician_id"),
                    "object_count": len(values.get("object_ids") or []),
                }
            )
            for values in planned
        ]
        return reopen_wizard(self)
