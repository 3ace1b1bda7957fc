# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatcher's board: conflicts of a job with the other jobs, working
hours and leaves of its technician, and the free slots of technicians."""

from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.intervals import Intervals

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


class ServiceIntervention(models.Model):
    _inherit = "service.intervention"

    scheduled_end = fields.Datetime(tracking=True)
    has_conflict = fields.Boolean(
        string="Conflict",
        compute="_compute_has_conflict",
        store=True,
        index=True,
        help="The job overlaps another job of its technician, or falls outside "
        "their working hours or on their leave.",
    )
    conflict_reason = fields.Text(compute="_compute_has_conflict", store=True)

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

    # ------------------------------------------------------------------
    # Availability of technicians
    # ------------------------------------------------------------------
    @api.model
    def _service_availability(self, employees, date_from, date_to, spans=True):
        """Working days and leaves of technicians between two naive UTC
        datetimes.

        :return: ``{employee id: (days, leaves)}``: ``days`` are the spans
            from the first to the last attendance of each working day (a
            lunch break inside a day is working time for a job; with
            ``spans=False`` the attendances themselves), ``leaves``
            the time off and public holidays; both ``Intervals`` of naive
            UTC datetimes
        """
        empty = self.browse()
        start = pytz.utc.localize(date_from)
        end = pytz.utc.localize(date_to)
        by_calendar = defaultdict(lambda: self.env["hr.employee"].sudo())
        for employee in employees.sudo():
            calendar = (
                employee.resource_calendar_id
                or employee.company_id.resource_calendar_id
                or self.env.company.resource_calendar_id
            )
            by_calendar[calendar] |= employee
        result = {}
        for calendar, calendar_employees in by_calendar.items():
            if not calendar:
                # no calendar at all: every hour is working time
                for employee in calendar_employees:
                    result[employee.id] = (
                        Intervals([(date_from, date_to, empty)]),
                        Intervals(),
                    )
                continue
            resources = calendar_employees.resource_id
            attendances = calendar._attendance_intervals_batch(start, end, resources)
            leaves = calendar._leave_intervals_batch(start, end, resources)
            for employee in calendar_employees:
                per_day = defaultdict(list)
                for att_start, att_stop, _meta in attendances[employee.resource_id.id]:
                    per_day[att_start.date()].append((att_start, att_stop))
                days = Intervals(
                    [
                        (
                            to_naive_utc(min(s for s, _e in day)),
                            to_naive_utc(max(e for _s, e in day)),
                            empty,
                        )
                        for day in per_day.values()
                    ]
                    if spans
                    else [
                        (to_naive_utc(s), to_naive_utc(e), empty)
                        for day in per_day.values()
                        for s, e in day
                    ]
                )
                off = Intervals(
                    [
                        (to_naive_utc(s), to_naive_utc(e), empty)
                        for s, e, _meta in leaves[employee.resource_id.id]
                        if s < e
                    ]
                )
                result[employee.id] = (days, off)
        return result

    @api.model
    def _service_busy(self, employees, date_from, date_to, exclude=None):
        """Jobs occupying these technicians between two naive UTC datetimes
        (one query): ``{employee id: Intervals}``."""
        jobs = self.sudo().search_fetch(
            [
                ("technician_id", "in", employees._origin.ids),
                ("state", "!=", "cancelled"),
                ("scheduled_start", "<", date_to),
                ("scheduled_end", ">", date_from),
                ("id", "not in", (exclude or self.browse()).ids),
            ],
            ["technician_id", "scheduled_start", "scheduled_end"],
        )
        busy = defaultdict(list)
        for job in jobs:
            busy[job.technician_id.id].append(
                (job.scheduled_start, job.scheduled_end, self.browse())
            )
        return {
            employee.id: Intervals(busy[employee.id]) for employee in employees._origin
        }

    @api.model
    def _service_first_free_slot(
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
        days_of = self._service_availability(employees, date_from, date_to)
        attendances_of = self._service_availability(
            employees, date_from, date_to, spans=False
        )
        busy = self._service_busy(employees, date_from, date_to, exclude=exclude)
        best = (employees.browse(), False)
        for employee in employees:
            days, leaves = days_of[employee.id]
            attendances = attendances_of[employee.id][0]
            taken = leaves | busy[employee.id]
            free_days = list(days - taken)
            # a job starts in working time (not in a break) and may run
            # through a break of the same day
            for work_start, work_stop, _meta in attendances - taken:
                start = ceil_quarter(max(work_start, date_from))
                if start >= work_stop:
                    continue
                if best[1] and start >= best[1]:
                    break
                span_stop = next(
                    (stop for s, stop, _m in free_days if s <= start < stop), None
                )
                if span_stop and span_stop - start >= duration:
                    best = (employee, start)
                    break
        return best

    # ------------------------------------------------------------------
    # Conflicts
    # ------------------------------------------------------------------
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
        for intervention in self - jobs:
            intervention.has_conflict = False
            intervention.conflict_reason = False
        if not jobs:
            return
        date_from = min(jobs.mapped("scheduled_start"))
        date_to = max(jobs.mapped("scheduled_end"))
        technicians = jobs.technician_id._origin
        others = self.sudo().search_fetch(
            [
                ("technician_id", "in", technicians.ids),
                ("state", "!=", "cancelled"),
                ("scheduled_start", "<", date_to),
                ("scheduled_end", ">", date_from),
                ("company_id", "in", jobs.company_id._origin.ids),
            ],
            ["name", "technician_id", "scheduled_start", "scheduled_end", "company_id"],
        )
        others_of = defaultdict(list)
        for other in others:
            others_of[other.technician_id.id].append(other)
        availability = self._service_availability(
            technicians, date_from - timedelta(days=1), date_to + timedelta(days=1)
        )
        empty = self.browse()
        for job in jobs:
            technician = job.technician_id._origin.sudo()
            start, stop = job.scheduled_start, job.scheduled_end
            reasons = []
            overlapping = [
                other.name
                for other in others_of[technician.id]
                if other.id != job._origin.id
                and other.company_id == job.company_id._origin
                and other.scheduled_start < stop
                and other.scheduled_end > start
            ]
            if overlapping:
                reasons.append(
                    self.env._(
                        "%(technician)s has another job at that time: %(jobs)s.",
                        technician=technician.name,
                        jobs=", ".join(overlapping),
                    )
                )
            days, leaves = availability[technician.id]
            span = Intervals([(start, stop, empty)]) if stop > start else Intervals()
            if span & leaves:
                reasons.append(
                    self.env._(
                        "%(technician)s is on leave at that time.",
                        technician=technician.name,
                    )
                )
            elif span - days:
                reasons.append(
                    self.env._(
                        "The job falls outside the working hours of %(technician)s.",
                        technician=technician.name,
                    )
                )
            job.has_conflict = bool(reasons)
            job.conflict_reason = "\n".join(reasons) or False

    def _service_conflict_neighbours(self):
        """Open jobs of the same technicians overlapping these (one query):
        their conflicts change when these move."""
        jobs = self.filtered(
            lambda i: i.technician_id and i.scheduled_start and i.scheduled_end
        )
        if not jobs:
            return self.browse()
        candidates = self.sudo().search_fetch(
            [
                ("technician_id", "in", jobs.technician_id.ids),
                ("state", "in", OPEN_STATES),
                ("scheduled_start", "<", max(jobs.mapped("scheduled_end"))),
                ("scheduled_end", ">", min(jobs.mapped("scheduled_start"))),
                ("id", "not in", self.ids),
            ],
            ["technician_id", "scheduled_start", "scheduled_end"],
        )
        return candidates.filtered(
            lambda n: any(
                job.technician_id == n.technician_id
                and job.scheduled_start < n.scheduled_end
                and job.scheduled_end > n.scheduled_start
                for job in jobs
            )
        )

    def _service_recompute_conflicts(self, neighbours):
        neighbours = neighbours.exists()
        if neighbours:
            for name in ("has_conflict", "conflict_reason"):
                self.env.add_to_compute(self._fields[name], neighbours)

    def _check_planning_move(self, vals):
        """Done and cancelled jobs stay where they happened."""
        for intervention in self.filtered(lambda i: i.state in ("done", "cancelled")):
            changed = any(
                (
                    intervention[name].id != (vals[name] or False)
                    if name == "technician_id"
                    else intervention[name] != fields.Datetime.to_datetime(vals[name])
                )
                for name in MOVE_FIELDS
                if name in vals
            )
            if changed:
                raise UserError(
                    self.env._(
                        "Intervention %(name)s is %(state)s: it cannot be moved "
                        "or given to another technician. Reset it to draft or "
                        "re-open it first.",
                        name=intervention.name,
                        state=dict(
                            intervention._fields["state"]._description_selection(
                                self.env
                            )
                        )[intervention.state],
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        interventions = super().create(vals_list)
        if any(CONFLICT_FIELDS & vals.keys() for vals in vals_list):
            self._service_recompute_conflicts(
                interventions._service_conflict_neighbours()
            )
        return interventions

    def write(self, vals):
        if any(name in vals for name in MOVE_FIELDS):
            self._check_planning_move(vals)
        tracked = bool(CONFLICT_FIELDS & vals.keys())
        before = self._service_conflict_neighbours() if tracked else self.browse()
        result = super().write(vals)
        if tracked:
            self._service_recompute_conflicts(
                before | self._service_conflict_neighbours()
            )
        return result

    def unlink(self):
        neighbours = self._service_conflict_neighbours()
        result = super().unlink()
        self._service_recompute_conflicts(neighbours)
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_plan(self):
        """Open the planning wizard on the first free slot."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan %(name)s", name=self.name),
            "res_model": "service.intervention.plan",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_intervention_id": self.id},
        }
