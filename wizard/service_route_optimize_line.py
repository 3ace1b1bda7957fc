# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.service_write_policy_mixin import ANYONE


class ServiceRouteOptimizeLine(models.TransientModel):
    _name = "service.route.optimize.line"
    _description = "Optimised Route of a Technician"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _order = "employee_id, id"

    wizard_id = fields.Many2one(
        "service.route.optimize", required=True, ondelete="cascade"
    )
    employee_id = fields.Many2one("hr.employee", string="Technician", readonly=True)
    job_count = fields.Integer(string="Jobs", readonly=True)
    moved_count = fields.Integer(string="Jobs Moved", readonly=True)
    km_before = fields.Float(digits=(16, 1), readonly=True)
    km_after = fields.Float(digits=(16, 1), readonly=True)
    minutes_before = fields.Float(
        string="Driving Before (min)", digits=(16, 0), readonly=True
    )
    minutes_after = fields.Float(
        string="Driving After (min)", digits=(16, 0), readonly=True
    )
    km_saved = fields.Float(digits=(16, 1), compute="_compute_km_saved")
    note = fields.Char(readonly=True)

    @api.depends("km_before", "km_after")
    def _compute_km_saved(self):
        for line in self:
            line.km_saved = line.km_before - line.km_after
