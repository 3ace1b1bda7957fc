# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Optimise Route: reorder each technician's jobs of a day to cut driving.

The wizard is the confirmation: *Compute* shows the kilometres and driving
time before and after per technician, *Apply* writes the new times.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from ..models.service_document_mixin import reopen_wizard
from ..models.service_write_policy_mixin import ANYONE


class ServiceRouteOptimize(models.TransientModel):
    _name = "service.route.optimize"
    _description = "Optimise Route"
    # technicians are chosen by users without HR rights
    _inherit = ["service.write.policy.mixin", "hr.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _check_company_auto = True

    date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    employee_ids = fields.Many2many(
        "hr.employee",
        string="Technicians",
        check_company=True,
        help="Empty: every technician with jobs that day.",
    )
    allow_reassign = fields.Boolean(
        string="Move Jobs Between Technicians",
        help="Also give jobs to another technician of the day who does the "
        "same activities, when it shortens the total driving.",
    )
    line_ids = fields.One2many(
        "service.route.optimize.line", "wizard_id", string="Technicians' Routes"
    )
    # {job id: {"employee_id", "start", "end", "sequence", "km", "minutes",
    #  "reason"}} of the computed plan
    proposal = fields.Json(readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("computed", "Computed")], default="draft"
    )
    km_before = fields.Float(compute="_compute_totals", digits=(16, 1))
    km_after = fields.Float(compute="_compute_totals", digits=(16, 1))
    minutes_before = fields.Float(compute="_compute_totals")
    minutes_after = fields.Float(compute="_compute_totals")
    summary = fields.Char(compute="_compute_totals")

    @api.depends("line_ids.km_before", "line_ids.km_after")
    def _compute_totals(self):
        for wizard in self:
            lines = wizard.line_ids
            wizard.km_before = sum(lines.mapped("km_before"))
            wizard.km_after = sum(lines.mapped("km_after"))
            wizard.minutes_before = sum(lines.mapped("minutes_before"))
            wizard.minutes_after = sum(lines.mapped("minutes_after"))
            wizard.summary = (
                self.env._(
                    "%(before)s km → %(after)s km, %(moved)s jobs moved.",
                    before=f"{wizard.km_before:.1f}",
                    after=f"{wizard.km_after:.1f}",
                    moved=sum(lines.mapped("moved_count")),
                )
                if lines
                else False
            )

    @api.model
    def default_get(self, fields_list):
        self.env["service.intervention"]._route_check_dispatcher()
        return super().default_get(fields_list)

    def action_compute(self):
        self.ensure_one()
        Intervention = self.env["service.intervention"]
        Intervention._route_check_dispatcher()
        plan = Intervention._route_optimize(
            self.date, self.employee_ids, allow_reassign=self.allow_reassign
        )
        self.write(
            {
                "proposal": plan["jobs"],
                "state": "computed",
                "line_ids": [Command.clear()]
                + [Command.create(values) for values in plan["lines"]],
            }
        )
        return reopen_wizard(self, name=self.env._("Optimise Route"))

    def action_apply(self):
        self.ensure_one()
        Intervention = self.env["service.intervention"]
        Intervention._route_check_dispatcher()
        if self.state != "computed":
            raise UserError(self.env._("Compute the routes before applying them."))
        Intervention._route_apply(self.proposal or {})
        return {"type": "ir.actions.act_window_close"}
