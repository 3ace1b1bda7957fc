# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The day's work report (rapportino) of the work lines: one page per
technician and day.

A concern of ``service.intervention.line`` (listed in its ``_inherit``),
read by ``report/service_work_report.xml``."""

from collections import defaultdict

from odoo import models
from odoo.tools import format_datetime


def total(lines, line_type):
    return sum(
        lines.filtered(lambda rec: rec.line_type == line_type).mapped("quantity")
    )


class ServiceInterventionLineReport(models.AbstractModel):
    _name = "service.intervention.line.report"
    _description = "Work Line Daily Report"

    def _daily_groups(self):
        """Activity lines grouped by (technician, day), sorted, for the daily
        work report."""
        groups = defaultdict(lambda: self.browse())
        for line in self.filtered(
            lambda line: line.line_type == "activity" and line.done
        ):
            groups[(line.employee_id, line.date)] |= line
        return sorted(
            groups.items(),
            key=lambda item: (item[0][0].name or "", item[0][0].id, item[0][1]),
        )

    def _daily_pages(self):
        """One page per technician and day of these activity lines: the jobs
        with their start and end times, the hours per activity type, the
        travel, km, parts and expenses of those jobs that day, the totals and
        the technician's signature of the day."""
        groups = self._daily_groups()
        if not groups:
            return []
        days = list({day for (__, day), __ in groups})
        others = self._other_work_of_days(days)
        signed = self._work_days([key[0] for key, __ in groups], days)
        pages = []
        for (employee, day), activities in groups:
            extra = others.filtered(
                lambda line, day=day, jobs=activities.intervention_id: (
                    line.date == day and line.intervention_id in jobs
                )
            )
            page = self._daily_page(activities, extra)
            page.update(
                employee=employee, day=day, work_day=signed.get((employee, day))
            )
            pages.append(page)
        return pages

    def _other_work_of_days(self, days):
        """The done travel, km, parts and expenses of these lines' jobs on
        ``days``."""
        return self.search(
            [
                ("intervention_id", "in", self.intervention_id.ids),
                ("date", "in", days),
                ("line_type", "!=", "activity"),
                ("done", "=", True),
            ]
        )

    def _work_days(self, employees, days):
        """{(employee, day): work day} of the technicians' days."""
        work_days = (
            self.env["service.work.day"]
            .sudo()
            .search(
                [
                    ("employee_id", "in", [employee.id for employee in employees]),
                    ("date", "in", days),
                ]
            )
        )
        return {(day.employee_id, day.date): day for day in work_days}

    def _daily_page(self, activities, extra):
        """The page of one technician's day: its ``activities`` and the
        ``extra`` work of the same jobs that day."""
        expenses = extra.filtered(lambda line: line.line_type == "expense")
        return {
            "lines": activities,
            "other_lines": extra,
            "jobs": [self._job_times(job) for job in activities.intervention_id],
            "hours_per_type": activities._hours_per_type(),
            "total_hours": sum(activities.mapped("quantity")),
            "total_travel": total(extra, "travel"),
            "total_km": total(extra, "mileage"),
            "total_parts": total(extra, "part"),
            "total_expenses": sum(expenses.mapped("price_subtotal")),
            "total_pays": sum((activities | extra).mapped("price_subtotal")),
        }

    def _job_times(self, job):
        def time_of(value):
            return format_datetime(self.env, value, dt_format="HH:mm") if value else ""

        return {
            "job": job,
            "start": time_of(job.actual_start),
            "end": time_of(job.actual_end),
        }

    def _hours_per_type(self):
        """[(activity type or description, hours)] of these lines, sorted."""
        hours_per_type = defaultdict(float)
        for line in self:
            hours_per_type[line.activity_type_id.name or line.name] += line.quantity
        return sorted(hours_per_type.items())
