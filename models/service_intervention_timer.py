# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import float_round

from .service_write_policy_mixin import SYSTEM


class ServiceInterventionTimer(models.Model):
    """The running (or paused) timer of one user on one intervention.

    Several technicians on one job each have their own. Pauses are left out:
    ``elapsed`` keeps the hours of the runs before the current one, and
    ``date_running`` is when the current run started (empty while paused).
    Stopping the timer turns its hours into an activity line and deletes it.
    """

    _name = "service.intervention.timer"
    _description = "Intervention Timer"
    _inherit = ["service.write.policy.mixin"]
    # only the timer buttons start, pause and stop it (officers discard
    # forgotten ones): owner and hours are the application's
    _write_policy = {
        "intervention_id": SYSTEM,
        "user_id": SYSTEM,
        "company_id": SYSTEM,
        "date_running": SYSTEM,
        "elapsed": SYSTEM,
    }
    _numeric_bounds = {"elapsed": (0, None)}
    _order = "intervention_id, id"

    intervention_id = fields.Many2one(
        "service.intervention", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="intervention_id.company_id", store=True)
    date_running = fields.Datetime(string="Running Since")
    elapsed = fields.Float(
        string="Hours Before Pause",
        help="Hours counted by the runs before the current one.",
    )

    _user_uniq = models.UniqueIndex(
        "(intervention_id, user_id)",
        "A technician has one timer per intervention.",
    )

    def action_discard(self):
        """Discard forgotten timers (officers): their time is not recorded,
        which the job's chatter says."""
        for timer in self:
            timer.intervention_id.message_post(
                body=self.env._(
                    "Timer of %(user)s discarded by %(officer)s: %(hours)s hours "
                    "not recorded.",
                    user=timer.user_id.name,
                    officer=self.env.user.name,
                    hours=f"{timer._hours():.2f}",
                )
            )
        self.unlink()
        return True

    def _hours(self, now=None):
        """Hours counted so far, pauses excluded (whole seconds)."""
        self.ensure_one()
        seconds = round(self.elapsed * 3600)
        if self.date_running:
            now = now or fields.Datetime.now()
            seconds += max(0, round((now - self.date_running).total_seconds()))
        return seconds / 3600.0

    @staticmethod
    def _round_up(hours, increment):
        """Hours rounded up to the company's minimum increment (0: minutes)."""
        if hours <= 0:
            return 0.0
        return float_round(
            hours, precision_rounding=increment or 1 / 60, rounding_method="UP"
        )
