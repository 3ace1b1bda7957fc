# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.service_write_policy_mixin import ANYONE


class ServiceInterventionPlan(models.TransientModel):
    """Plan an unplanned job: the first free slot of the technicians who can
    do it is proposed, the dispatcher accepts or changes it."""

    _name = "service.intervention.plan"
    _description = "Plan an Intervention"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _numeric_bounds = {"scheduled_duration": (0, 24 * 31)}
    _check_company_auto = True

    intervention_id = fields.Many2one(
        "service.intervention", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="intervention_id.company_id")
    partner_id = fields.Many2one(related="intervention_id.partner_id")
    candidate_ids = fields.Many2many(
        "hr.employee",
        compute="_compute_candidate_ids",
        # dispatchers have no HR rights: the technicians are found as superuser
        compute_sudo=True,
        string="Technicians",
        help="The technicians of the company who can do the job.",
    )
    technician_id = fields.Many2one(
        "hr.employee",
        check_company=True,
        compute="_compute_technician_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    scheduled_duration = fields.Float(
        string="Planned Hours",
        compute="_compute_scheduled_duration",
        store=True,
        readonly=False,
        precompute=True,
    )
    scheduled_start = fields.Datetime(
        compute="_compute_slot", store=True, readonly=False, precompute=True
    )
    scheduled_end = fields.Datetime(compute="_compute_scheduled_end")
    proposal = fields.Char(compute="_compute_slot", store=True, precompute=True)
    conflict_reason = fields.Text(compute="_compute_conflict_reason")

    @api.depends("intervention_id")
    def _compute_scheduled_duration(self):
        for wizard in self:
            wizard.scheduled_duration = wizard.intervention_id.scheduled_duration or 1.0

    @api.depends("intervention_id", "company_id")
    def _compute_candidate_ids(self):
        group = self.env.ref("service_management.group_service_technician")
        technicians = (
            self.env["hr.employee"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self.company_id.ids),
                    ("user_id.all_group_ids", "in", group.ids),
                ]
            )
        )
        for wizard in self:
            assigned = wizard.intervention_id.technician_id
            wizard.candidate_ids = assigned or technicians.filtered(
                lambda e, c=wizard.company_id: e.company_id == c
            )

    def _first_free_slot(self, technicians):
        return self.env["service.intervention"]._first_free_slot(
            technicians,
            self.scheduled_duration,
            fields.Datetime.now().replace(second=0, microsecond=0),
            exclude=self.intervention_id._origin,
        )

    @api.depends("intervention_id")
    def _compute_technician_id(self):
        for wizard in self:
            technician, _start = wizard._first_free_slot(
                wizard._candidates_by_preference()
            )
            wizard.technician_id = technician or wizard.intervention_id.technician_id

    def _candidates_by_preference(self):
        """The candidates, field technicians first: at the same slot the job
        goes to a technician rather than to a dispatcher or a manager (who
        are technicians too, by their group)."""
        self.ensure_one()
        candidates = self.candidate_ids.sudo()
        office = candidates.filtered(
            lambda e: e.user_id.has_group("service_management.group_service_officer")
        )
        return self.env["hr.employee"].browse((candidates - office + office).ids)

    @api.depends("technician_id")
    def _compute_slot(self):
        for wizard in self:
            technician, start = wizard._first_free_slot(wizard.technician_id)
            if start:
                wizard.scheduled_start = start
                wizard.proposal = self.env._(
                    "First free slot of %(technician)s.",
                    technician=technician.sudo().name,
                )
            else:
                wizard.scheduled_start = wizard.scheduled_start or False
                wizard.proposal = self.env._(
                    "No free slot in the next 60 days: choose the technician "
                    "and the date."
                )

    @api.depends("scheduled_start", "scheduled_duration")
    def _compute_scheduled_end(self):
        for wizard in self:
            wizard.scheduled_end = wizard.scheduled_start and fields.Datetime.add(
                wizard.scheduled_start,
                minutes=round((wizard.scheduled_duration or 1.0) * 60),
            )

    @api.depends("technician_id", "scheduled_start", "scheduled_duration")
    def _compute_conflict_reason(self):
        """What the chosen slot would clash with (computed as on the job)."""
        for wizard in self:
            wizard.conflict_reason = False
            job = wizard.intervention_id._origin
            if not (job and wizard.technician_id and wizard.scheduled_start):
                continue
            preview = job.new(
                {
                    "technician_id": wizard.technician_id.id,
                    "scheduled_start": wizard.scheduled_start,
                    "scheduled_end": wizard.scheduled_end,
                    "state": "scheduled",
                    "company_id": job.company_id.id,
                    "name": job.name,
                },
                origin=job,
            )
            preview._compute_has_conflict()
            wizard.conflict_reason = preview.conflict_reason

    def action_confirm(self):
        """Give the job its technician and slot, and schedule it."""
        self.ensure_one()
        job = self.intervention_id
        if job.state != "draft":
            raise UserError(
                self.env._(
                    "Intervention %(name)s is no longer a draft: it was planned "
                    "meanwhile.",
                    name=job.name,
                )
            )
        if not self.technician_id or not self.scheduled_start:
            raise UserError(
                self.env._("Choose the technician and the start of the job.")
            )
        job.write(
            {
                "technician_id": self.technician_id.id,
                "scheduled_start": self.scheduled_start,
                "scheduled_duration": self.scheduled_duration,
                "scheduled_end": self.scheduled_end,
            }
        )
        job.action_schedule()
        return {"type": "ir.actions.act_window_close"}
