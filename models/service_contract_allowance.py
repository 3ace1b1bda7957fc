# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# Prepaid hours and visits (a *monte ore*) and response-time commitments of
# service contracts.
#
# Consumption is stored on what consumed it, when the intervention is done:
# ``allowance_hours`` on its activity lines, ``allowance_visit`` on the
# intervention, each with the period (``allowance_period_start``) it counts in.
# The contract sums them; nothing is stored on the contract but the period it
# last warned its responsible for.
ALLOWANCE_PERIODS = [
    ("period", "Per Invoicing Period"),
    ("term", "Per Contract Term"),
]


class ServiceContractAllowanceMixin(models.AbstractModel):
    """Prepaid hours and visits and response-time commitments of a service
    contract: a concern of ``service.contract``, listed in its ``_inherit``.

    Relies on the contract's dates and invoicing periods (``date_start``,
    ``date_term_start``, ``_period_bounds``) and on the consumption stored by
    the interventions (see the comment above).
    """

    _name = "service.contract.allowance.mixin"
    # tracking=True on its fields needs the thread
    _inherit = ["mail.thread"]
    _description = "Service Contract Prepaid Hours and Response Times"

    allowance_hours = fields.Float(
        string="Prepaid Hours",
        tracking=True,
        help="Hours of labour included in the contract (a package of prepaid "
        "hours): consumed by the labour of its interventions in the order it "
        "is done, covered in full; beyond them, the coverage below applies.",
    )
    allowance_visits = fields.Integer(
        string="Included Visits",
        tracking=True,
        help="On-site interventions whose travel and mileage the contract pays "
        "in full.",
    )
    allowance_period = fields.Selection(
        ALLOWANCE_PERIODS,
        string="Allowance Renews",
        default="period",
        required=True,
        help="Per invoicing period: the hours and visits start again every "
        "period (Invoice Every). Per contract term: once for the whole contract.",
    )
    allowance_rollover = fields.Boolean(
        string="Unused Hours Roll Over",
        help="Hours and visits not used in a period add to the next ones.",
    )
    allowance_hours_available = fields.Float(
        compute="_compute_allowance_usage",
        string="Hours This Period",
        help="Prepaid hours of the current period, with those rolled over.",
    )
    allowance_hours_used = fields.Float(
        compute="_compute_allowance_usage", string="Hours Used"
    )
    allowance_hours_left = fields.Float(
        compute="_compute_allowance_usage", string="Hours Left"
    )
    allowance_hours_used_pct = fields.Float(
        compute="_compute_allowance_usage", string="Hours Used (%)"
    )
    allowance_visits_available = fields.Integer(
        compute="_compute_allowance_usage", string="Visits This Period"
    )
    allowance_visits_used = fields.Integer(
        compute="_compute_allowance_usage", string="Visits Used"
    )
    allowance_visits_left = fields.Integer(
        compute="_compute_allowance_usage", string="Visits Left"
    )
    allowance_period_start = fields.Date(
        compute="_compute_allowance_usage", string="Current Period From"
    )
    # the period whose threshold activity was scheduled: once per period
    allowance_alert_period = fields.Date(copy=False, readonly=True)
    sla_response_hours = fields.Float(
        string="Response Time (h)",
        tracking=True,
        help="Working hours (company calendar) between a request and the "
        "moment its intervention is scheduled or started. 0: no commitment.",
    )
    sla_resolution_hours = fields.Float(
        string="Resolution Time (h)",
        tracking=True,
        help="Working hours between a request and the end of its intervention. "
        "0: no commitment.",
    )
    sla_urgent_response_hours = fields.Float(
        string="Urgent Response Time (h)",
        help="For urgent requests; 0: the normal response time.",
    )
    sla_urgent_resolution_hours = fields.Float(
        string="Urgent Resolution Time (h)",
        help="For urgent requests; 0: the normal resolution time.",
    )

    _allowance_positive = models.Constraint(
        "CHECK(allowance_hours >= 0 AND allowance_visits >= 0)",
        "Prepaid hours and included visits cannot be negative.",
    )
    _sla_positive = models.Constraint(
        "CHECK(sla_response_hours >= 0 AND sla_resolution_hours >= 0 "
        "AND sla_urgent_response_hours >= 0 AND sla_urgent_resolution_hours >= 0)",
        "Response and resolution times cannot be negative.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_allowance_usage(self):
        today = fields.Date.context_today(self)
        usage = self._allowance_usage()
        for contract in self:
            bucket = contract._allowance_bucket(today)
            hours, visits = contract._allowance_available(bucket, usage)
            used_hours, used_visits = usage[contract.id]["now"](bucket)
            contract.allowance_period_start = bucket
            contract.allowance_hours_available = hours + used_hours
            contract.allowance_hours_used = used_hours
            contract.allowance_hours_left = hours
            contract.allowance_hours_used_pct = (
                100.0 * used_hours / (hours + used_hours) if hours + used_hours else 0.0
            )
            contract.allowance_visits_available = visits + used_visits
            contract.allowance_visits_used = used_visits
            contract.allowance_visits_left = visits

    @api.constrains("sla_response_hours", "sla_resolution_hours")
    def _check_sla_hours(self):
        for contract in self:
            if (
                contract.sla_response_hours
                and contract.sla_resolution_hours
                and contract.sla_resolution_hours < contract.sla_response_hours
            ):
                raise ValidationError(contract._get_sla_hours_error())

    def _get_sla_hours_error(self):
        return self.env._(
            "Contract %(name)s: the resolution time (%(resolution)s h) "
            "cannot be shorter than the response time (%(response)s h).",
            name=self.name,
            resolution=f"{self.sla_resolution_hours:g}",
            response=f"{self.sla_response_hours:g}",
        )

    # ------------------------------------------------------------------
    # Allowance
    # ------------------------------------------------------------------
    def _allowance_bucket(self, date):
        """The first day of the allowance period ``date`` falls in: the
        start of the current term (the contract's start, then the day after
        the previous end at each renewal) for a term allowance, else the
        start of its invoicing period, with the boundaries of invoicing."""
        self.ensure_one()
        start = self.date_start
        if not date or date <= start:
            return start
        if self.allowance_period == "term":
            term = self.date_term_start or start
            return term if date >= term else start
        return self._period_bounds(date)[0]

    def _allowance_lock(self):
        """Serialise the consumption of these contracts' prepaid hours: the
        row update waits for a transaction consuming them at the same time,
        and once it has committed makes this one fail with a serialisation
        error, retried by Odoo with the hours that transaction left."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE service_contract SET allowance_alert_period = "
                    "allowance_alert_period WHERE id IN %s",
                    tuple(self.ids),
                )
            )

    def _allowance_usage(self):
        """{contract id: {"hours": {period start: hours}, "visits": {period
        start: visits}, "now": f(period) -> (hours, visits)}} consumed by the
        done work of these contracts, in two queries whatever their number.
        Read as the system: a technician's job consumes what other jobs left."""
        usage = defaultdict(
            lambda: {"hours": defaultdict(float), "visits": defaultdict(int)}
        )
        contracts = self.filtered(lambda c: c.allowance_hours or c.allowance_visits)
        if contracts:
            Line = self.env["service.intervention.line"].sudo()
            for contract, start, hours in Line._read_group(
                [
                    ("allowance_contract_id", "in", contracts.ids),
                    ("allowance_hours", ">", 0),
                ],
                ["allowance_contract_id", "allowance_period_start:day"],
                ["allowance_hours:sum"],
            ):
                usage[contract.id]["hours"][fields.Date.to_date(start)] += hours
            Intervention = self.env["service.intervention"].sudo()
            for contract, start, count in Intervention._read_group(
                [("contract_id", "in", contracts.ids), ("allowance_visit", "=", True)],
                ["contract_id", "allowance_period_start:day"],
                ["__count"],
            ):
                usage[contract.id]["visits"][fields.Date.to_date(start)] += count
        for contract in self:
            data = usage[contract.id]
            data["now"] = lambda bucket, data=data: (
                data["hours"].get(bucket, 0.0),
                data["visits"].get(bucket, 0),
            )
        return usage

    def _allowance_available(self, bucket, usage):
        """(hours, visits) left in the period starting at ``bucket``, given
        ``usage`` (``_allowance_usage``; updated by the caller as it
        consumes). With rollover, what earlier periods left adds up."""
        self.ensure_one()
        data = usage[self.id]
        if not self.allowance_rollover or self.allowance_period == "term":
            return (
                max(self.allowance_hours - data["hours"].get(bucket, 0.0), 0.0),
                max(self.allowance_visits - data["visits"].get(bucket, 0), 0),
            )
        periods = self._allowance_periods_until(bucket)
        used_hours = sum(h for start, h in data["hours"].items() if start <= bucket)
        used_visits = sum(v for start, v in data["visits"].items() if start <= bucket)
        return (
            max(self.allowance_hours * periods - used_hours, 0.0),
            max(self.allowance_visits * periods - used_visits, 0),
        )

    def _allowance_periods_until(self, bucket):
        """How many allowance periods began from the contract's start to the
        one starting at ``bucket`` (included)."""
        self.ensure_one()
        count, day = 0, self.date_start
        while day <= bucket:
            count += 1
            day = self._period_bounds(day)[1] + timedelta(days=1)
        return count

    def _allowance_check_threshold(self, buckets):
        """Schedule an activity for the responsible of the contracts whose
        allowance of the period starting at ``buckets[contract]`` is used
        beyond the company's threshold, once per period."""
        usage = self._allowance_usage()
        todo = self.env["mail.activity"].browse()
        warned = defaultdict(list)
        for contract in self:
            bucket = buckets[contract]
            if contract.allowance_alert_period == bucket:
                continue
            counts = contract._allowance_counts(bucket, usage)
            if not contract._allowance_over_threshold(counts):
                continue
            todo |= contract._allowance_schedule_alert(counts)
            warned[bucket].append(contract.id)
        for bucket, ids in warned.items():
            self.browse(ids).sudo().write({"allowance_alert_period": bucket})
        return todo

    def _allowance_counts(self, bucket, usage):
        """{hours_used, hours_total, visits_used, visits_total} of the
        period starting at ``bucket``."""
        self.ensure_one()
        hours_left, visits_left = self._allowance_available(bucket, usage)
        hours_used, visits_used = usage[self.id]["now"](bucket)
        return {
            "hours_used": hours_used,
            "hours_total": hours_used + hours_left,
            "visits_used": visits_used,
            "visits_total": visits_used + visits_left,
        }

    def _allowance_over_threshold(self, counts):
        """Whether the hours or the visits used reach the company's alert
        threshold (none set: never)."""
        self.ensure_one()
        threshold = self.company_id.service_allowance_alert_pct / 100.0
        ratios = self._allowance_ratios(counts)
        return bool(threshold and ratios and max(ratios) >= threshold)

    def _allowance_ratios(self, counts):
        """The shares used of the hours and of the visits the contract has."""
        ratios = []
        if self.allowance_hours:
            ratios.append(counts["hours_used"] / (counts["hours_total"] or 1.0))
        if self.allowance_visits:
            ratios.append(counts["visits_used"] / (counts["visits_total"] or 1))
        return ratios

    def _allowance_schedule_alert(self, counts):
        """The to-do of the responsible: propose a new package."""
        self.ensure_one()
        return self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self) + timedelta(days=1),
            summary=self.env._("Prepaid hours almost used"),
            note=self._allowance_alert_note(counts),
            user_id=(self.user_id or self.env.user).id,
        )

    def _allowance_alert_note(self, counts):
        """One whole sentence per case, for translators."""
        self.ensure_one()
        values = {
            "name": self.name,
            "hours_used": f"{counts['hours_used']:g}",
            "hours_total": f"{counts['hours_total']:g}",
            "visits_used": counts["visits_used"],
            "visits_total": counts["visits_total"],
        }
        if self.allowance_hours and self.allowance_visits:
            return self.env._(
                "%(name)s: %(hours_used)s of %(hours_total)s prepaid hours, "
                "%(visits_used)s of %(visits_total)s included visits used this "
                "period. Propose a new package to the customer.",
                **values,
            )
        if self.allowance_hours:
            return self.env._(
                "%(name)s: %(hours_used)s of %(hours_total)s prepaid hours used "
                "this period. Propose a new package to the customer.",
                **values,
            )
        return self.env._(
            "%(name)s: %(visits_used)s of %(visits_total)s included visits used "
            "this period. Propose a new package to the customer.",
            **values,
        )

    # ------------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------------
    def _sla_hours(self, priority):
        """(response hours, resolution hours) promised for a request of
        ``priority``; 0 when nothing is promised."""
        self.ensure_one()
        if priority == "1":
            return self._sla_urgent_hours()
        return self.sla_response_hours, self.sla_resolution_hours

    def _sla_urgent_hours(self):
        """(response, resolution) hours of an urgent request (default: the
        usual ones)."""
        return (
            self.sla_urgent_response_hours or self.sla_response_hours,
            self.sla_urgent_resolution_hours or self.sla_resolution_hours,
        )
