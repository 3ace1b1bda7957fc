# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Deadlines of protocol steps on the work lines of a job.

A concern of ``service.intervention.line`` (listed in its ``_inherit``); the
job's ``is_late`` searches the same deadlines in SQL
(``service.intervention.practice._late_step_sql``)."""

from odoo import api, fields, models

from .service_write_policy_mixin import SYSTEM


class ServiceInterventionLinePractice(models.AbstractModel):
    _name = "service.intervention.line.practice"
    _description = "Work Line Step Deadline"
    _write_policy = {"step_deadline": SYSTEM, "step_late": SYSTEM}

    step_deadline = fields.Date(
        compute="_compute_step_deadline",
        help="The start of the job plus the step's deadline in days.",
    )
    step_late = fields.Boolean(
        compute="_compute_step_deadline",
        string="Late Step",
        help="A protocol step not done by its deadline.",
    )

    @api.depends(
        "done",
        "protocol_step_id.deadline_days",
        "intervention_id.scheduled_start",
        "intervention_id.date_request",
        "intervention_id.state",
    )
    @api.depends_context("tz")
    def _compute_step_deadline(self):
        today = fields.Date.context_today(self)
        for line in self:
            days = line.protocol_step_id.deadline_days
            intervention = line.intervention_id
            if not days or not intervention:
                line.step_deadline = False
                line.step_late = False
                continue
            start = intervention._step_start_date()
            line.step_deadline = fields.Date.add(start, days=days) if start else False
            line.step_late = bool(
                line.step_deadline
                and not line.done
                and intervention.state not in ("done", "cancelled")
                and line.step_deadline < today
            )
