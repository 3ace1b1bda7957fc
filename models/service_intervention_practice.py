# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Practices on interventions: the launch they belong to, the event key that
keeps a triggered practice from being created twice, and the progress and
deadlines of the protocol's steps.

A concern of ``service.intervention`` (listed in its ``_inherit``)."""

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from .service_write_policy_mixin import SYSTEM

CLOSED_STATES = ("done", "cancelled")


class ServiceInterventionPractice(models.AbstractModel):
    _name = "service.intervention.practice"
    _description = "Intervention Practice"
    _write_policy = {
        "launch_id": SYSTEM,
        "practice_key": SYSTEM,
        "step_progress": SYSTEM,
        "is_late": SYSTEM,
    }

    launch_id = fields.Many2one(
        "service.protocol.launch.batch",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The launch of a protocol on many customers this job belongs to.",
    )
    practice_key = fields.Char(
        readonly=True,
        copy=False,
        help="The event that created this job (new customer, fiscal period): "
        "the same event never creates it twice.",
    )
    step_progress = fields.Float(
        string="Steps Done (%)",
        compute="_compute_step_progress",
        store=True,
        aggregator="avg",
        help="Share of the protocol's items (steps and their parts) done.",
    )
    is_late = fields.Boolean(
        string="Late",
        compute="_compute_is_late",
        search="_search_is_late",
        help="Not finished, and past the deadline of its launch or of one of "
        "its steps.",
    )

    _practice_key_uniq = models.UniqueIndex(
        "(protocol_id, practice_key) WHERE practice_key IS NOT NULL",
        "This practice was already created for this event.",
    )

    @api.depends("line_ids.done", "line_ids.protocol_step_id", "line_ids.line_type")
    def _compute_step_progress(self):
        for intervention in self:
            # the checklist's items: the steps and their parts
            steps = intervention.line_ids.filtered("protocol_step_id")
            intervention.step_progress = (
                100.0 * len(steps.filtered("done")) / len(steps) if steps else 0.0
            )

    @api.depends("state", "launch_id.date_deadline", "line_ids.step_late")
    def _compute_is_late(self):
        today = fields.Date.context_today(self)
        for intervention in self:
            deadline = intervention.launch_id.date_deadline
            intervention.is_late = intervention.state not in CLOSED_STATES and (
                bool(deadline and deadline < today)
                or any(intervention.line_ids.mapped("step_late"))
            )

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        return self._late_domain() if positive else ~self._late_domain()

    @api.model
    def _late_domain(self):
        """Open jobs past their launch's deadline or with a step past its
        deadline: one condition the database evaluates on the jobs searched
        (the step's deadline counts its days from ``_step_start_date``)."""
        today = fields.Date.context_today(self)
        return Domain("state", "not in", CLOSED_STATES) & (
            Domain("launch_id.date_deadline", "<", today)
            | Domain.custom(
                to_sql=lambda model, alias, query: model._late_step_sql(alias, today)
            )
        )

    @api.model
    def _late_step_sql(self, alias, today):
        """Whether the job ``alias`` has an activity step not done by its
        deadline (the day of its start, in the user's time zone, plus the
        step's deadline in days)."""
        self._flush_late_step_fields()
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        start = SQL(
            "COALESCE(%s, %s)",
            SQL.identifier(alias, "scheduled_start"),
            SQL.identifier(alias, "date_request"),
        )
        return SQL(
            """EXISTS (
                SELECT 1 FROM service_intervention_line line
                JOIN service_protocol_step step ON step.id = line.protocol_step_id
                WHERE line.intervention_id = %(job)s
                  AND NOT COALESCE(line.done, FALSE)
                  AND line.line_type = 'activity'
                  AND step.deadline_days > 0
                  AND timezone(%(tz)s, timezone('UTC', %(start)s))::date
                      + step.deadline_days < %(today)s
            )""",
            job=SQL.identifier(alias, "id"),
            tz=tz,
            start=start,
            today=today,
        )

    @api.model
    def _flush_late_step_fields(self):
        """The late condition is SQL: what it reads is flushed first."""
        self.flush_model(["scheduled_start", "date_request"])
        self.env["service.intervention.line"].flush_model(
            ["intervention_id", "done", "line_type", "protocol_step_id"]
        )
        self.env["service.protocol.step"].flush_model(["deadline_days"])

    @api.model
    def _late_ids(self, domain=None):
        """Ids of the late jobs within ``domain`` (see ``_late_domain``)."""
        return self.search(Domain(domain or []) & self._late_domain()).ids

    def _step_start_date(self):
        """The day the steps' deadlines count from: the planned start, else
        the day the job was requested or launched."""
        self.ensure_one()
        start = self.scheduled_start or self.date_request
        return fields.Date.to_date(fields.Datetime.context_timestamp(self, start))

    def action_view_launch(self):
        self.ensure_one()
        return self.launch_id.get_formview_action()
