# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .service_write_policy_mixin import OFFICER, SYSTEM


class ServiceProtocolLaunchBatch(models.Model):
    """One launch of a protocol on many customers or contracts (a new rule
    that hits them all): its interventions are followed together."""

    _name = "service.protocol.launch.batch"
    _description = "Practice Launch"
    _inherit = ["mail.thread", "service.write.policy.mixin"]
    _write_policy_default = OFFICER
    _write_policy = {"intervention_ids": SYSTEM}
    _order = "date_launch desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    protocol_id = fields.Many2one(
        "service.protocol",
        required=True,
        readonly=True,
        check_company=True,
        ondelete="restrict",
        index=True,
    )
    date_launch = fields.Datetime(
        string="Launched On", default=fields.Datetime.now, readonly=True
    )
    date_deadline = fields.Date(string="Deadline", tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Launched By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        readonly=True,
    )
    intervention_ids = fields.One2many(
        "service.intervention", "launch_id", string="Interventions", readonly=True
    )
    intervention_count = fields.Integer(compute="_compute_counts", string="Jobs")
    count_done = fields.Integer(compute="_compute_counts", string="Done")
    count_open = fields.Integer(compute="_compute_counts", string="Open")
    count_late = fields.Integer(compute="_compute_counts", string="Late")
    progress = fields.Float(compute="_compute_counts", string="Progress (%)")

    def _compute_counts(self):
        """Counts by state in one grouped query, the late ones in two."""
        Intervention = self.env["service.intervention"]
        by_state = {
            (batch.id, state): count
            for batch, state, count in Intervention._read_group(
                [("launch_id", "in", self.ids)],
                ["launch_id", "state"],
                ["__count"],
            )
        }
        late = {
            batch.id: count
            for batch, count in Intervention._read_group(
                [
                    ("launch_id", "in", self.ids),
                    (
                        "id",
                        "in",
                        Intervention._late_ids([("launch_id", "in", self.ids)]),
                    ),
                ],
                ["launch_id"],
                ["__count"],
            )
        }
        for batch in self:
            done = by_state.get((batch.id, "done"), 0)
            cancelled = by_state.get((batch.id, "cancelled"), 0)
            total = sum(
                count for (bid, _state), count in by_state.items() if bid == batch.id
            )
            batch.intervention_count = total
            batch.count_done = done
            batch.count_open = total - done - cancelled
            batch.count_late = late.get(batch.id, 0)
            active = total - cancelled
            batch.progress = 100.0 * done / active if active else 0.0

    def _action_interventions(self, domain=None, name=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_intervention"
        )
        action.update(self._interventions_action_values(domain, name))
        return action

    def _interventions_action_values(self, domain, name):
        """The jobs of this launch (``domain`` of them), titled ``name``."""
        return {
            "name": name or self.name,
            "domain": [("launch_id", "=", self.id)] + (domain or []),
            "context": {"default_launch_id": self.id, "create": False},
        }

    def action_view_interventions(self):
        return self._action_interventions()

    def action_view_done(self):
        return self._action_interventions([("state", "=", "done")], self.env._("Done"))

    def action_view_open(self):
        return self._action_interventions(
            [("state", "not in", ("done", "cancelled"))], self.env._("Open")
        )

    def action_view_late(self):
        return self._action_interventions([("is_late", "=", True)], self.env._("Late"))

    @api.model
    def _default_name(self, protocol):
        return self.env._(
            "%(protocol)s – %(date)s",
            protocol=protocol.display_name,
            date=fields.Date.to_string(fields.Date.context_today(self)),
        )
