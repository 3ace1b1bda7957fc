# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.fields import Command

DEMO_TZ = "Europe/Rome"
# working days looked at around today: enough for every date of the story
DEMO_HORIZON_DAYS = 120


class ServiceDemo(models.AbstractModel):
    """Helpers of the demo data (``demo/*.xml``): the demo company is *Clima
    Service* in Bologna and every date of its story falls on a working day
    of the company's calendar, counted from the day the demo is installed.
    Nothing here runs outside the demo."""

    _name = "service.demo"
    _description = "Service demo data helpers"

    @api.model
    def _demo_company(self):
        return self.env.ref("base.main_company")

    @api.model
    def _demo_setup_company(self):
        """Make Odoo's demo company the story's: Clima Service S.r.l. in
        Bologna, in euros, its people in Italian time. Where Odoo's Italian
        accounting (``l10n_it``) is installed (``make run`` installs it, the
        tests do not), the company gets the Italian chart of accounts and
        VAT in place of the generic one Odoo's demo gave it, as Odoo does
        when a demo company changes its chart; without it, the currency
        changes only while the company has no journal items."""
        company = self._demo_company()
        euro = self.env.ref("base.EUR")
        former_currency = company.currency_id
        company.write(
            {
                "name": "Clima Service S.r.l.",
                "street": "Via Stalingrado 45",
                "city": "Bologna",
                "zip": "40128",
                "country_id": self.env.ref("base.it").id,
                "phone": "+39 051 000100",
                "email": "info@climaservice.example.com",
                "website": "https://climaservice.example.com",
            }
        )
        # its place on the map: the day routes start and end there
        company.partner_id.write(
            {
                "partner_latitude": 44.5146,
                "partner_longitude": 11.3636,
                "date_localization": fields.Date.context_today(self),
            }
        )
        Chart = self.env["account.chart.template"]
        l10n_it = self.env["ir.module.module"].sudo()._get("l10n_it")
        if (
            l10n_it.state in ("installed", "to upgrade")
            and company.chart_template != "it"
            and "it" in Chart._get_chart_template_mapping()
        ):
            Chart.try_loading("it", company, install_demo=True)
        elif company.currency_id != euro and not (
            self.env["account.move.line"]
            .sudo()
            .search_count([("company_id", "=", company.id)], limit=1)
        ):
            euro.active = True
            company.currency_id = euro
        if company.currency_id == euro != former_currency:
            # the sales of the story are priced in the company's currency
            self.env["product.pricelist"].sudo().search(
                [
                    ("currency_id", "=", former_currency.id),
                    ("company_id", "in", [False, company.id]),
                ]
            ).currency_id = euro
        company.resource_calendar_id.tz = DEMO_TZ
        users = self.env["res.users"].browse(
            user.id
            for user in (
                self.env.ref("base.user_admin"),
                self.env.ref("base.user_demo", raise_if_not_found=False),
            )
            if user
        )
        users.write({"tz": DEMO_TZ})
        users.employee_ids.resource_id.write({"tz": DEMO_TZ})

    @api.model
    def _demo_working_days(self):
        """Today (in the company calendar's time zone) and the calendar's
        working days around it, public holidays excluded."""
        calendar = self._demo_company().resource_calendar_id
        tz = pytz.timezone(calendar.tz or DEMO_TZ)
        today = datetime.now(tz).date()
        horizon = timedelta(days=DEMO_HORIZON_DAYS)
        start = tz.localize(datetime.combine(today - horizon, time.min))
        stop = tz.localize(datetime.combine(today + horizon, time.max))
        intervals = calendar._work_intervals_batch(start, stop)[False]
        days = sorted({begin.astimezone(tz).date() for begin, _end, _meta in intervals})
        if not days:
            # a calendar without attendances: every weekday works
            days = [
                today + timedelta(days=offset)
                for offset in range(-DEMO_HORIZON_DAYS, DEMO_HORIZON_DAYS)
                if (today + timedelta(days=offset)).weekday() < 5
            ]
        return tz, today, days

    @api.model
    def _demo_date(self, days=0):
        """The working day ``days`` working days away from the story's day:
        0 is today when it is a working day, else the next working day;
        1 the working day after it; -1 the last working day before today."""
        _tz, today, working = self._demo_working_days()
        if days >= 0:
            return [day for day in working if day >= today][days]
        return [day for day in working if day < today][days]

    @api.model
    def _demo_datetime(self, days=0, hour=8.0):
        """``_demo_date(days)`` at ``hour`` (local time of the calendar),
        as the naive UTC datetime Odoo stores."""
        tz, _today, _working = self._demo_working_days()
        day = self._demo_date(days)
        local = tz.localize(datetime.combine(day, time.min) + timedelta(hours=hour))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _demo_set_work_times(self, xmlid, days, start_hour, end_hour):
        """Date the work of a job the demo did: started and ended on the
        working day of the story, not at the moment the demo was installed."""
        job = self.env.ref(xmlid)
        job._service_trusted().write(
            {
                "actual_start": self._demo_datetime(days, start_hour),
                "actual_end": self._demo_datetime(days, end_hour),
            }
        )

    @api.model
    def _demo_finish(self):
        """Last touches once the story is built: the planned work of a job
        is dated on the job's day, and the jobs of a launched practice name
        the customer's installed products they are about."""
        tz, _today, _working = self._demo_working_days()
        jobs = self.env["service.intervention"].search(
            [("state", "in", ("draft", "scheduled")), ("scheduled_start", "!=", False)]
        )
        for job in jobs:
            day = pytz.utc.localize(job.scheduled_start).astimezone(tz).date()
            job.line_ids.filtered(lambda line, d=day: line.date != d).date = day
        # planned jobs were planned a few working days before their day (and
        # never after today), not at the moment the demo was installed
        _tz, today, working = self._demo_working_days()
        planned = self.env["service.intervention"].search(
            [("origin", "=", "planned"), ("scheduled_start", "!=", False)]
        )
        for job in planned:
            day = pytz.utc.localize(job.scheduled_start).astimezone(tz).date()
            before = [d for d in working if d < min(day, today)]
            planned_on = before[-3] if day < today else before[-1]
            job.date_request = (
                tz.localize(datetime.combine(planned_on, time(11, 0)))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )
        practice_jobs = self.env["service.intervention"].search(
            [("launch_id", "!=", False), ("object_ids", "=", False)]
        )
        for job in practice_jobs:
            lots = self.env["stock.lot"].search(
                [
                    (
                        "service_partner_id",
                        "=",
                        job.partner_id.commercial_partner_id.id,
                    ),
                    ("service_state", "=", "installed"),
                ]
            )
            job.object_ids = [Command.create({"lot_id": lot.id}) for lot in lots]
