# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Response-time commitments (SLA) of the requests a contract covers.

The deadlines are stored when the request is created, in working hours of
the company's calendar. What happened is stored too (``sla_result``: pending,
met or breached, known from the dates of response and resolution), so it is
reported per contract and month. Whether a pending request is at risk or
already late depends on the current time: ``sla_state`` is computed on the
fly and searched through the stored ``sla_next_deadline`` (the deadline
still to meet) and ``sla_risk_date`` (when it becomes at risk: 80 % of its
window, from the request to the deadline, has passed).

A concern of ``service.intervention`` (listed in its ``_inherit``): its
``write``, ``action_schedule`` and ``action_start`` call the steps below."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from .service_document_mixin import is_trusted, trusted
from .service_write_policy_mixin import OFFICER, SYSTEM

SLA_STATES = [
    ("none", "No Commitment"),
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("met", "Met"),
    ("breached", "Breached"),
]
SLA_RESULTS = [
    ("pending", "Pending"),
    ("met", "Met"),
    ("breached", "Breached"),
]
# a pending commitment is at risk when less than this share of its window is left
SLA_RISK_SHARE = 0.2


class ServiceInterventionSla(models.AbstractModel):
    _name = "service.intervention.sla"
    _description = "Intervention Response-Time Commitments"
    _write_policy = {
        "date_request_reason": OFFICER,
        "sla_response_deadline": SYSTEM,
        "sla_resolution_deadline": SYSTEM,
        "sla_responded_on": SYSTEM,
        "sla_result": SYSTEM,
        "sla_next_deadline": SYSTEM,
        "sla_risk_date": SYSTEM,
        "sla_state": SYSTEM,
    }

    sla_response_deadline = fields.Datetime(
        string="Respond By",
        compute="_compute_sla_deadlines",
        store=True,
        copy=False,
        help="The request is answered when its intervention is scheduled or "
        "started: the contract promises it by then (working hours).",
    )
    sla_resolution_deadline = fields.Datetime(
        string="Resolve By",
        compute="_compute_sla_deadlines",
        store=True,
        copy=False,
        help="The contract promises the intervention done by then (working hours).",
    )
    sla_responded_on = fields.Datetime(string="Responded On", copy=False, readonly=True)
    sla_result = fields.Selection(
        SLA_RESULTS,
        string="SLA Result",
        compute="_compute_sla_result",
        store=True,
        index="btree_not_null",
    )
    sla_next_deadline = fields.Datetime(
        string="Next SLA Deadline", compute="_compute_sla_result", store=True
    )
    sla_risk_date = fields.Datetime(compute="_compute_sla_result", store=True)
    sla_state = fields.Selection(
        SLA_STATES,
        string="SLA",
        compute="_compute_sla_state",
        search="_search_sla_state",
    )
    sla_time_left = fields.Char(string="SLA Time Left", compute="_compute_sla_state")
    # asked when the request date of an answered request changes (logged)
    date_request_reason = fields.Char(
        string="Reason for the New Request Date", store=False
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("contract_id", "date_request", "priority", "origin")
    def _compute_sla_deadlines(self):
        """Deadlines of requests from the contract's commitments at the time
        the request is made; later changes of the contract do not move them."""
        for intervention in self:
            if intervention.sla_responded_on and (
                intervention.sla_response_deadline
                or intervention.sla_resolution_deadline
            ):
                # answered: the commitments of the request are history
                continue
            response, resolution = intervention._sla_deadlines()
            intervention.sla_response_deadline = response
            intervention.sla_resolution_deadline = resolution

    def _sla_deadlines(self):
        """(respond by, resolve by) the contract promises for this request."""
        contract = self.contract_id
        if not (self.origin == "request" and contract and self.date_request):
            return False, False
        response_hours, resolution_hours = contract._sla_hours(self.priority)
        company = self.company_id or self.env.company
        return (
            self._sla_plan(company, response_hours),
            self._sla_plan(company, resolution_hours),
        )

    def _sla_plan(self, company, hours):
        """The moment ``hours`` working hours of the company's calendar after
        the request (clock hours without a calendar)."""
        self.ensure_one()
        if not hours:
            return False
        calendar = company.resource_calendar_id
        if not calendar:
            return self.date_request + timedelta(hours=hours)
        return calendar.sudo().plan_hours(hours, self.date_request, compute_leaves=True)

    @api.depends(
        "sla_response_deadline",
        "sla_resolution_deadline",
        "sla_responded_on",
        "actual_end",
        "state",
    )
    def _compute_sla_result(self):
        for intervention in self:
            result, next_deadline, risk = intervention._sla_outcome()
            if (
                intervention.sla_result == "breached"
                and intervention.state != "cancelled"
            ):
                # a breach once recorded stays recorded
                result = "breached"
            intervention.sla_result = result
            intervention.sla_next_deadline = next_deadline
            intervention.sla_risk_date = risk

    def _sla_outcome(self):
        """What the dates say of the commitments: ``(result, next deadline,
        risk date)``, all False without commitments or once cancelled."""
        response = self.sla_response_deadline
        resolution = self.sla_resolution_deadline
        responded = self.sla_responded_on
        resolved = self.state == "done" and self.actual_end
        if not (response or resolution) or self.state == "cancelled":
            return False, False, False
        if (response and responded and responded > response) or (
            resolution and resolved and resolved > resolution
        ):
            return "breached", False, False
        if resolved:
            return "met", False, False
        next_deadline = response if response and not responded else resolution
        if not next_deadline:
            return "pending", False, False
        window = next_deadline - self.date_request
        return "pending", next_deadline, next_deadline - window * SLA_RISK_SHARE

    @api.depends("sla_result", "sla_next_deadline", "sla_risk_date")
    def _compute_sla_state(self):
        now = fields.Datetime.now()
        for intervention in self:
            deadline = intervention.sla_next_deadline
            intervention.sla_state = intervention._sla_state_at(now)
            intervention.sla_time_left = (
                intervention._sla_format_delta(deadline - now)
                if intervention.sla_result == "pending" and deadline
                else False
            )

    def _sla_state_at(self, now):
        """The result, or for a pending request where it stands ``now``."""
        state = self.sla_result or "none"
        if state != "pending":
            return state
        if self.sla_next_deadline and now > self.sla_next_deadline:
            return "breached"
        if self.sla_risk_date and now >= self.sla_risk_date:
            return "at_risk"
        return "on_track"

    def _sla_format_delta(self, delta):
        minutes = int(abs(delta.total_seconds()) // 60)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        if days:
            span = self.env._("%(days)s d %(hours)s h", days=days, hours=hours)
        else:
            span = self.env._(
                "%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes
            )
        if delta.total_seconds() < 0:
            return self.env._("%(span)s late", span=span)
        return self.env._("%(span)s left", span=span)

    def _search_sla_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        now = fields.Datetime.now()
        pending = Domain("sla_result", "=", "pending")
        late = pending & Domain("sla_next_deadline", "<", now)
        domains = {
            "none": Domain("sla_result", "=", False),
            "met": Domain("sla_result", "=", "met"),
            "breached": Domain("sla_result", "=", "breached") | late,
            "at_risk": pending
            & Domain("sla_risk_date", "<=", now)
            & Domain("sla_next_deadline", ">=", now),
            "on_track": pending
            & (
                Domain("sla_next_deadline", "=", False)
                | Domain("sla_risk_date", ">", now)
            ),
        }
        domain = Domain.OR(domains[state] for state in value if state in domains)
        return ~domain if operator == "not in" else domain

    # ------------------------------------------------------------------
    # Steps of the intervention's write and actions
    # ------------------------------------------------------------------
    def _check_sla_write(self, vals):
        """Refuse what only the actions write, log a new request date of an
        answered request with its reason; return ``vals`` without the reason
        (asked by the form, never stored)."""
        reason = (vals.get("date_request_reason") or "").strip()
        if "date_request" in vals and not (self.env.su or is_trusted(self)):
            self._service_check_write_policy(vals)
            self._log_request_date_change(vals["date_request"], reason)
        if "date_request_reason" in vals:
            vals = dict(vals)
            del vals["date_request_reason"]
        if "sla_responded_on" in vals and not is_trusted(self):
            raise UserError(
                self.env._(
                    "A request is answered when its intervention is scheduled or "
                    "started: schedule or start it instead of writing the date."
                )
            )
        return vals

    def _log_request_date_change(self, date_request, reason):
        """The request date of an answered request changes with a reason,
        logged on the job; its deadlines stay as they are."""
        answered = self.filtered("sla_responded_on")
        if answered and not reason:
            raise UserError(
                self.env._(
                    "Request %(names)s is already answered: enter the reason "
                    "for changing its request date. Its response and "
                    "resolution deadlines, and a breach already recorded, "
                    "stay as they are.",
                    names=", ".join(answered.mapped("name")),
                )
            )
        new = fields.Datetime.to_datetime(date_request)
        for job in answered.filtered(lambda i: i.date_request != new):
            job._log_new_request_date(new, reason)

    def _log_new_request_date(self, new, reason):
        self.message_post(
            body=self.env._(
                "Request date changed from %(old)s to %(new)s: %(reason)s",
                old=fields.Datetime.to_string(self.date_request),
                new=fields.Datetime.to_string(new),
                reason=reason,
            )
        )

    def _sla_mark_responded(self):
        """The request is answered when its job is scheduled or started."""
        answered = self.filtered(
            lambda i: not i.sla_responded_on and i.sla_response_deadline
        )
        if answered:
            trusted(answered).write({"sla_responded_on": fields.Datetime.now()})
