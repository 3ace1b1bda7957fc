# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ServiceIntervention(models.Model):
    """Practices on interventions: the launch they belong to, the event key
    that keeps a triggered practice from being created twice, and the
    progress of the protocol's steps."""

    _inherit = "service.intervention"

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
        help="Share of the protocol's step lines ticked as done.",
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
            steps = intervention.line_ids.filtered(
                lambda line: line.protocol_step_id and line.line_type == "activity"
            )
            intervention.step_progress = (
                100.0 * len(steps.filtered("done")) / len(steps) if steps else 0.0
            )

    @api.depends(
        "state",
        "launch_id.date_deadline",
        "line_ids.step_late",
    )
    def _compute_is_late(self):
        today = fields.Date.context_today(self)
        for intervention in self:
            deadline = intervention.launch_id.date_deadline
            intervention.is_late = intervention.state not in (
                "done",
                "cancelled",
            ) and (
                bool(deadline and deadline < today)
                or any(intervention.line_ids.mapped("step_late"))
            )

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        late_ids = self._late_ids()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", late_ids)]

    @api.model
    def _late_ids(self, domain=None):
        """Ids of the open jobs (within ``domain``) past their launch's
        deadline or with a step past its deadline, in two queries."""
        today = fields.Date.context_today(self)
        base = [("state", "not in", ("done", "cancelled"))] + (domain or [])
        late = set(self.search(base + [("launch_id.date_deadline", "<", today)]).ids)
        lines = self.env["service.intervention.line"].search(
            [
                ("intervention_id", "any", base),
                ("done", "=", False),
                ("line_type", "=", "activity"),
                ("protocol_step_id.deadline_days", ">", 0),
            ]
        )
        late.update(lines.filtered("step_late").intervention_id.ids)
        return list(late)

    def _step_start_date(self):
        """The day the steps' deadlines count from: the planned start, else
        the day the job was requested or launched."""
        self.ensure_one()
        start = self.scheduled_start or self.date_request
        return fields.Date.to_date(fields.Datetime.context_timestamp(self, start))

    def action_view_launch(self):
        self.ensure_one()
        return self.launch_id.get_formview_action()
