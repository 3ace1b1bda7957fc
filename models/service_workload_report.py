# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.intervals import Intervals

from .service_write_policy_mixin import SYSTEM

# two years: more is a typing error (and overflows the dates)
MAX_WEEKS = 104


class ServiceWorkloadReport(models.TransientModel):
    """Planned hours of each technician per day against the hours they are
    available (working time of their calendar minus leaves).

    The available hours come from ``resource.calendar`` (attendances, two-week
    calendars, time zones, leaves and public holidays), which SQL cannot
    expand; the rows are therefore computed in Python for the window the
    dispatcher looks at, one row per technician and day, each time the
    report is opened, and kept per user (transient: the vacuum removes
    them)."""

    _name = "service.workload.report"
    _description = "Technician Workload"
    _inherit = ["service.write.policy.mixin"]
    # rows the workload action computes
    _write_policy_default = SYSTEM
    _order = "date, employee_id"

    date = fields.Date(required=True, readonly=True)
    employee_id = fields.Many2one(
        "hr.employee", string="Technician", required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    planned_hours = fields.Float(readonly=True, digits=(16, 2))
    available_hours = fields.Float(readonly=True, digits=(16, 2))
    free_hours = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Available minus planned hours: negative when overbooked.",
    )
    overbooked_hours = fields.Float(readonly=True, digits=(16, 2))
    job_count = fields.Integer(string="Jobs", readonly=True)

    @api.model
    def _technicians(self):
        group = self.env.ref("service_management.group_service_technician")
        return (
            self.env["hr.employee"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self.env.companies.ids),
                    ("user_id.all_group_ids", "in", group.ids),
                ]
            )
        )

    @api.model
    def _refresh(self, date_from, date_to):
        """Recompute the current user's rows for the days ``date_from`` to
        ``date_to`` (included): planned hours of the open and done jobs of
        the allowed companies, cut at midnight in the technician's time
        zone; available hours of their calendar minus leaves."""
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        start = datetime.combine(date_from, time.min) - timedelta(days=1)
        stop = datetime.combine(date_to, time.max) + timedelta(days=1)
        jobs = self._jobs(start, stop)
        employees = self._technicians() | jobs.technician_id
        availability = self.env["service.intervention"]._availability(
            employees, start, stop, spans=False
        )
        planned = defaultdict(list)
        for job in jobs:
            planned[job.technician_id.id].append(
                (job.scheduled_start, job.scheduled_end)
            )
        days = [
            date_from + timedelta(days=offset)
            for offset in range((date_to - date_from).days + 1)
        ]
        rows = []
        for employee in employees:
            attendance, leaves = availability[employee.id]
            work = attendance - leaves
            rows += self._employee_rows(employee, days, work, planned[employee.id])
        return self._service_trusted().create(rows)

    @api.model
    def _jobs(self, start, stop):
        """The open and done jobs of the allowed companies between ``start``
        and ``stop`` (UTC), with a technician."""
        return (
            self.env["service.intervention"]
            .sudo()
            .search_fetch(
                [
                    ("company_id", "in", self.env.companies.ids),
                    ("technician_id", "!=", False),
                    ("state", "!=", "cancelled"),
                    ("scheduled_start", "<", stop),
                    ("scheduled_end", ">", start),
                ],
                ["technician_id", "scheduled_start", "scheduled_end"],
            )
        )

    @api.model
    def _employee_rows(self, employee, days, work, jobs):
        """The rows of ``employee`` for ``days``: ``work`` are the intervals
        they are available, ``jobs`` the (start, end) of their jobs."""
        tz = pytz.timezone(employee.tz or self.env.user.tz or "UTC")
        rows = []
        for day in days:
            local = tz.localize(datetime.combine(day, time.min))
            low = local.astimezone(pytz.utc).replace(tzinfo=None)
            high = (
                (local + relativedelta(days=1))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )
            row = self._day_row(employee, day, work, jobs, low, high)
            if row:
                rows.append(row)
        return rows

    @api.model
    def _day_row(self, employee, day, work, jobs, low, high):
        """The row of ``employee`` on ``day`` (from ``low`` to ``high`` in
        UTC), or None when they neither work nor have a job that day."""
        empty = self.env["service.intervention"].browse()
        available = sum(
            (e - s).total_seconds()
            for s, e, _m in work & Intervals([(low, high, empty)])
        )
        booked = [(max(s, low), min(e, high)) for s, e in jobs if s < high and e > low]
        planned_hours = sum((e - s).total_seconds() for s, e in booked) / 3600
        available_hours = available / 3600
        if not planned_hours and not available_hours:
            return None
        return {
            "date": day,
            "employee_id": employee.id,
            "company_id": employee.company_id.id or self.env.company.id,
            "planned_hours": planned_hours,
            "available_hours": available_hours,
            "free_hours": available_hours - planned_hours,
            "overbooked_hours": max(planned_hours - available_hours, 0.0),
            "job_count": len(booked),
        }

    @api.model
    def action_open_workload(self, weeks=None):
        """Refresh the rows from the start of last week over ``weeks``
        weeks, then open them (pivot by technician and week)."""
        weeks = weeks or self.env.context.get("service_workload_weeks") or 6
        if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
            raise ValidationError(
                self.env._(
                    "The workload covers 1 to %(max)s weeks, not %(weeks)s.",
                    max=MAX_WEEKS,
                    weeks=weeks,
                )
            )
        today = fields.Date.context_today(self)
        date_from = today - timedelta(days=today.weekday() + 7)
        date_to = date_from + timedelta(weeks=weeks, days=-1)
        self._refresh(date_from, date_to)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_workload_report"
        )
        action["display_name"] = self.env._(
            "Workload %(date_from)s – %(date_to)s",
            date_from=fields.Date.to_string(date_from),
            date_to=fields.Date.to_string(date_to),
        )
        return action
