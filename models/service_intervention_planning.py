# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatcher's board: conflicts of a job with the other jobs, working
hours and leaves of its technician, and the free slots of technicians.

A concern of ``service.intervention`` (listed in its ``_inherit``): the
intervention's ``create``, ``write`` and ``unlink`` call the steps below."""

from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.intervals import Intervals

from .service_write_policy_mixin import SYSTEM

# jobs that still need their technician's time
OPEN_STATES = ("draft", "scheduled", "in_progress")
# a change of these fields may create or solve a conflict with other jobs
CONFLICT_FIELDS = frozenset(
    {
        "technician_id",
        "scheduled_start",
        "scheduled_end",
        "scheduled_duration",
        "state",
        "company_id",
    }
)
# what moving a job on the board writes
MOVE_FIELDS = ("technician_id", "scheduled_start", "scheduled_end")
QUARTER = timedelta(minutes=15)


def to_naive_utc(value):
    return value.astimezone(pytz.utc).replace(tzinfo=None)


def ceil_quarter(value):
    """The first quarter hour at or after ``value`` (naive datetime)."""
    floor = value.replace(minute=value.minute - value.minute % 15, second=0)
    floor = floor.replace(microsecond=0)
    return floor if floor == value else floor + QUARTER


class ServiceInterventionPlanning(models.AbstractModel):
    _name = "service.intervention.planning"
    _description = "Intervention Planning"
    _write_policy = {"has_conflict": SYSTEM, "conflict_reason": SYSTEM}

    has_conflict = fields.Boolean(
        string="Conflict",
        compute="_compute_has_conflict",
        store=True,
        index=True,
        help="The job overlaps another job of its technician, or falls outside "
        "their working hours or on their leave.",
    )
    conflict_reason = fields.Text(compute="_compute_has_conflict", store=True)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("partner_id")
    @api.depends_context("service_show_customer")
    def _compute_display_name(self):
        """On the calendar and the board a job reads "reference · customer"."""
        result = super()._compute_display_name()
        if self.env.context.get("service_show_customer"):
            for intervention in self.filtered("partner_id"):
                intervention.display_name = (
                    f"{intervention.name} · {intervention.partner_id.display_name}"
                )
        return result

    @api.depends("technician_id", "scheduled_start", "scheduled_end", "state")
    def _compute_has_conflict(self):
        """Overlaps with other jobs of the technician in the same company,
        time outside their working days, time on their leave. One query for
        the other jobs of the whole batch, one per calendar for the hours."""
        jobs = self.filtered(
            lambda i: (
                i.technician_id
                and i.scheduled_start
                and i.scheduled_end
                and i.state in OPEN_STATES
            )
        )
        (self - jobs).update({"has_conflict": False, "conflict_reason": False})
        if not jobs:
            return
        others_of, availability = jobs._conflict_context()
        for job in jobs:
            reasons = job._conflict_reasons(others_of, availability)
            job.has_conflict = bool(reasons)
            job.conflict_reason = "\n".join(reasons) or False

    # ------------------------------------------------------------------
    # Conflicts
    # ------------------------------------------------------------------
    def _conflict_context(self):
        """What the conflicts of these jobs are read from: the jobs of their
        technicians over their span, by technician, and the technicians'
        working days and leaves."""
        date_from = min(self.mapped("scheduled_start"))
        date_to = max(self.mapped("scheduled_end"))
        technicians = self.technician_id._origin
        others_of = defaultdict(list)
        for other in self._jobs_between(technicians, date_from, date_to):
            others_of[other.technician_id.id].append(other)
        availability = self._availability(
            technicians, date_from - timedelta(days=1), date_to + timedelta(days=1)
        )
        return others_of, availability

    def _jobs_between(self, technicians, date_from, date_to):
        """The jobs of ``technicians`` in these jobs' companies overlapping
        the span (one query)."""
        return self.sudo().search_fetch(
            [
                ("technician_id", "in", technicians.ids),
                ("state", "!=", "cancelled"),
                ("scheduled_start", "<", date_to),
                ("scheduled_end", ">", date_from),
                ("company_id", "in", self.company_id._origin.ids),
            ],
            ["name", "technician_id", "scheduled_start", "scheduled_end", "company_id"],
        )

    def _conflict_reasons(self, others_of, availability):
        """The conflicts of this job, as sentences (see ``_conflict_context``)."""
        self.ensure_one()
        technician = self.technician_id._origin.sudo()
        reasons = []
        overlapping = self._overlapping_names(others_of[technician.id])
        if overlapping:
            reasons.append(
                self.env._(
                    "%(technician)s has another job at that time: %(jobs)s.",
                    technician=technician.name,
                    jobs=", ".join(overlapping),
                )
            )
        hours_reason = self._working_hours_reason(technician, availability)
        if hours_reason:
            reasons.append(hours_reason)
        return reasons

    def _overlapping_names(self, others):
        start, stop = self.scheduled_start, self.scheduled_end
        return [
            other.name
            for other in others
            if other.id != self._origin.id
            and other.company_id == self.company_id._origin
            and other.scheduled_start < stop
            and other.scheduled_end > start
        ]

    def _working_hours_reason(self, technician, availability):
        """Why the job's time is not the technician's working time, or None."""
        start, stop = self.scheduled_start, self.scheduled_end
        days, leaves = availability[technician.id]
        span = (
            Intervals([(start, stop, self.browse())]) if stop > start else Intervals()
        )
        if span & leaves:
            return self.env._(
                "%(technician)s is on leave at that time.",
                technician=technician.name,
            )
        if span - days:
            return self.env._(
                "The job falls outside the working hours of %(technician)s.",
                technician=technician.name,
            )
        return None

    def _conflict_neighbours(self):
        """Open jobs of the same technicians overlapping these (one query):
        their conflicts change when these move."""
        jobs = self.filtered(
            lambda i: i.technician_id and i.scheduled_start and i.scheduled_end
        )
        if not jobs:
            return self.browse()
        candidates = jobs._open_jobs_around(exclude=self)
        return candidates.filtered(
            lambda n: any(
                job.technician_id == n.technician_id
                and job.scheduled_start < n.scheduled_end
                and job.scheduled_end > n.scheduled_start
                for job in jobs
            )
        )

    def _open_jobs_around(self, exclude):
        """The open jobs of these jobs' technicians over their whole span,
        but ``exclude`` (one query)."""
        return self.sudo().search_fetch(
            [
                ("technician_id", "in", self.technician_id.ids),
                ("state", "in", OPEN_STATES),
                ("scheduled_start", "<", max(self.mapped("scheduled_end"))),
                ("scheduled_end", ">", min(self.mapped("scheduled_start"))),
                ("id", "not in", exclude.ids),
            ],
            ["technician_id", "scheduled_start", "scheduled_end"],
        )

    def _recompute_conflicts(self, neighbours):
        neighbours = neighbours.exists()
        if neighbours:
            for name in ("has_conflict", "conflict_reason"):
                self.env.add_to_compute(self._fields[name], neighbours)

    def _check_planning_move(self, vals):
        """Done and cancelled jobs stay where they happened."""
        if not any(name in vals for name in MOVE_FIELDS):
            return
        for intervention in self.filtered(lambda i: i.state in ("done", "cancelled")):
            if intervention._moved_by(vals):
                raise UserError(
                    self.env._(
                        "Intervention %(name)s is %(state)s: it cannot be moved "
                        "or given to another technician. Reset it to draft or "
                        "re-open it first.",
                        name=intervention.name,
                        state=intervention._state_label(),
                    )
                )

    def _moved_by(self, vals):
        """Whether ``vals`` moves this job or gives it to someone else."""
        return any(
            (
                self[name].id != (vals[name] or False)
                if name == "technician_id"
                else self[name] != fields.Datetime.to_datetime(vals[name])
            )
            for name in MOVE_FIELDS
            if name in vals
        )

    # ------------------------------------------------------------------
    # Availability of technicians
    # ------------------------------------------------------------------
    @api.model
    def _availability(self, employees, date_from, date_to, spans=True):
        """Working days and leaves of technicians between two naive UTC
        datetimes.

        :return: ``{employee id: (days, leaves)}``: ``days`` are the spans
            from the first to the last attendance of each working day (a
            lunch break inside a day is working time for a job; with
            ``spans=False`` the attendances themselves), ``leaves``
            the time off and public holidays; both ``Intervals`` of naive
            UTC datetimes
        """
        result = {}
        for calendar, staff in self._employees_by_calendar(employees).items():
            if not calendar:
                # no calendar at all: every hour is working time
                always = Intervals([(date_from, date_to, self.browse())])
                result.update(
                    {employee.id: (always, Intervals()) for employee in staff}
                )
                continue
            start = pytz.utc.localize(date_from)
            end = pytz.utc.localize(date_to)
            resources = staff.resource_id
            attendances = calendar._attendance_intervals_batch(start, end, resources)
            leaves = calendar._leave_intervals_batch(start, end, resources)
            for employee in staff:
                resource_id = employee.resource_id.id
                result[employee.id] = (
                    self._working_days(attendances[resource_id], spans),
                    self._leave_intervals(leaves[resource_id]),
                )
        return result

    @api.model
    def _employees_by_calendar(self, employees):
        by_calendar = defaultdict(lambda: self.env["hr.employee"].sudo())
        for employee in employees.sudo():
            calendar = (
                employee.resource_calendar_id
                or employee.company_id.resource_calendar_id
                or self.env.company.resource_calendar_id
            )
            by_calendar[calendar] |= employee
        return by_calendar

    @api.model
    def _working_days(self, attendances, spans):
        """Naive UTC ``Intervals`` of the attendances, joined per day from the
        first to the last one when ``spans``."""
        per_day = defaultdict(list)
        for att_start, att_stop, _meta in attendances:
            per_day[att_start.date()].append((att_start, att_stop))
        if spans:
            pairs = [
                (min(s for s, _e in day), max(e for _s, e in day))
                for day in per_day.values()
            ]
        else:
            pairs = [pair for day in per_day.values() for pair in day]
        return Intervals(
            [(to_naive_utc(s), to_naive_utc(e), self.browse()) for s, e in pairs]
        )

    @api.model
    def _leave_intervals(self, leaves):
        return Intervals(
            [
                (to_naive_utc(s), to_naive_utc(e), self.browse())
                for s, e, _meta in leaves
                if s < e
            ]
        )

    @api.model
    def _busy(self, employees, date_from, date_to, exclude=None):
        """Jobs occupying these technicians between two naive UTC datetimes
        (one query): ``{employee id: Intervals}``."""
        jobs = self._jobs_of(employees, date_from, date_to, exclude)
        busy = defaultdict(list)
        for job in jobs:
            busy[job.technician_id.id].append(
                (job.scheduled_start, job.scheduled_end, self.browse())
            )
        return {
            employee.id: Intervals(busy[employee.id]) for employee in employees._origin
        }

    @api.model
    def _jobs_of(self, employees, date_from, date_to, exclude=None):
        """The jobs, not cancelled, of ``employees`` between two naive UTC
        datetimes, but ``exclude`` (one query)."""
        return self.sudo().search_fetch(
            [
                ("technician_id", "in", employees._origin.ids),
                ("state", "!=", "cancelled"),
                ("scheduled_start", "<", date_to),
                ("scheduled_end", ">", date_from),
                ("id", "not in", (exclude or self.browse()).ids),
            ],
            ["technician_id", "scheduled_start", "scheduled_end"],
        )

    @api.model
    def _first_free_slot(
        self, employees, hours, date_from, horizon_days=60, exclude=None
    ):
        """The earliest slot of ``hours`` from ``date_from`` (naive UTC) in
        which one of the technicians works, is not on leave and has no
        other job; slots start on a quarter hour.

        :return: ``(employee, start)`` or ``(empty employee, False)``
        """
        employees = employees._origin
        duration = timedelta(hours=hours or 1.0)
        date_to = date_from + timedelta(days=horizon_days)
        days_of = self._availability(employees, date_from, date_to)
        attendances_of = self._availability(employees, date_from, date_to, spans=False)
        busy = self._busy(employees, date_from, date_to, exclude=exclude)
        best = (employees.browse(), False)
        for employee in employees:
            days, leaves = days_of[employee.id]
            taken = leaves | busy[employee.id]
            start = self._first_start(
                attendances_of[employee.id][0] - taken,
                list(days - taken),
                duration,
                date_from,
                best[1],
            )
            if start:
                best = (employee, start)
        return best

    @api.model
    def _first_start(self, attendances, free_days, duration, date_from, before):
        """The first quarter hour of ``attendances`` from ``date_from`` (and
        before ``before``) with ``duration`` free in its day, or None: a job
        starts in working time (not in a break) and may run through a break
        of the same day."""
        for work_start, work_stop, _meta in attendances:
            start = ceil_quarter(max(work_start, date_from))
            if start >= work_stop:
                continue
            if before and start >= before:
                return None
            span_stop = next(
                (stop for s, stop, _m in free_days if s <= start < stop), None
            )
            if span_stop and span_stop - start >= duration:
                return start
        return None

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_plan(self):
        """Open the planning wizard on the first free slot."""
        self.ensure_one()
        return self._dialog(
            self.env._("Plan %(name)s", name=self.name),
            self.env["service.intervention.plan"],
            context={"default_intervention_id": self.id},
        )
