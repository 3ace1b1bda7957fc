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
        Bologna, in euros, its people in Italian time."""
        company = self._demo_company()
        euro = self.env.ref("base.EUR")
        former_currency = company.currency_id
        company.write(self._demo_company_values())
        self._demo_locate_company(company)
        self._demo_setup_accounting(company, euro)
        if company.currency_id == euro != former_currency:
            self._demo_reprice_pricelists(company, former_currency)
        company.resource_calendar_id.tz = DEMO_TZ
        self._demo_set_tz(self._demo_users())

    @api.model
    def _demo_company_values(self):
        return {
            "name": "Clima Service S.r.l.",
            "street": "Via Stalingrado 45",
            "city": "Bologna",
            "zip": "40128",
            "country_id": self.env.ref("base.it").id,
            "phone": "+39 051 000100",
            "email": "info@climaservice.example.com",
            "website": "https://climaservice.example.com",
        }

    @api.model
    def _demo_locate_company(self, company):
        """Its place on the map: the day routes start and end there."""
        company.partner_id.write(
            {
                "partner_latitude": 44.5146,
                "partner_longitude": 11.3636,
                "date_localization": fields.Date.context_today(self),
            }
        )

    @api.model
    def _demo_setup_accounting(self, company, euro):
        """Where Odoo's Italian accounting (``l10n_it``) is installed (``make
        run`` installs it, the tests do not), the company gets the Italian
        chart of accounts and VAT in place of the generic one Odoo's demo gave
        it, as Odoo does when a demo company changes its chart; without it,
        the currency changes only while the company has no journal items."""
        if self._demo_italian_chart_loadable(company):
            self.env["account.chart.template"].try_loading(
                "it", company, install_demo=True
            )
        elif company.currency_id != euro and not self._demo_has_entries(company):
            euro.active = True
            company.currency_id = euro

    @api.model
    def _demo_italian_chart_loadable(self, company):
        Chart = self.env["account.chart.template"]
        l10n_it = self.env["ir.module.module"].sudo()._get("l10n_it")
        return (
            l10n_it.state in ("installed", "to upgrade")
            and company.chart_template != "it"
            and "it" in Chart._get_chart_template_mapping()
        )

    @api.model
    def _demo_has_entries(self, company):
        MoveLine = self.env["account.move.line"].sudo()
        return MoveLine.search_count([("company_id", "=", company.id)], limit=1)

    @api.model
    def _demo_reprice_pricelists(self, company, former_currency):
        """The sales of the story are priced in the company's currency."""
        self.env["product.pricelist"].sudo().search(
            [
                ("currency_id", "=", former_currency.id),
                ("company_id", "in", [False, company.id]),
            ]
        ).currency_id = company.currency_id

    @api.model
    def _demo_users(self):
        """The administrator and, when installed, Odoo's demo user."""
        admin = self.env.ref("base.user_admin")
        demo_user = self.env.ref("base.user_demo", raise_if_not_found=False)
        return self.env["res.users"].browse(
            user.id for user in (admin, demo_user) if user
        )

    @api.model
    def _demo_set_tz(self, users):
        """The users and their employees work in Italian time."""
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
        tz, today, working = self._demo_working_days()
        self._demo_date_planned_work(tz)
        self._demo_date_requests(tz, today, working)
        self._demo_link_practice_objects()

    @api.model
    def _demo_date_planned_work(self, tz):
        """The work lines of the jobs to do are dated on their job's day."""
        jobs = self.env["service.intervention"].search(
            [("state", "in", ("draft", "scheduled")), ("scheduled_start", "!=", False)]
        )
        for job in jobs:
            day = pytz.utc.localize(job.scheduled_start).astimezone(tz).date()
            job.line_ids.filtered(lambda line, d=day: line.date != d).date = day

    @api.model
    def _demo_date_requests(self, tz, today, working):
        """Planned jobs were requested a few working days before their day."""
        planned = self.env["service.intervention"].search(
            [("origin", "=", "planned"), ("scheduled_start", "!=", False)]
        )
        for job in planned:
            day = pytz.utc.localize(job.scheduled_start).astimezone(tz).date()
            planned_on = self._demo_planned_on(day, today, working)
            job.date_request = self._demo_naive_utc(tz, planned_on, time(11, 0))

    @api.model
    def _demo_planned_on(self, day, today, working):
        """Three working days before a past job's day, else the working day
        before today."""
        before = [d for d in working if d < min(day, today)]
        return before[-3] if day < today else before[-1]

    @api.model
    def _demo_naive_utc(self, tz, day, at):
        """``day`` at the local time ``at`` of ``tz``, as a naive UTC datetime."""
        local = tz.localize(datetime.combine(day, at))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _demo_link_practice_objects(self):
        """The jobs of a launched practice without objects get the customer's
        installed products."""
        practice_jobs = self.env["service.intervention"].search(
            [("launch_id", "!=", False), ("object_ids", "=", False)]
        )
        for job in practice_jobs:
            lots = self._demo_installed_lots(job.partner_id.commercial_partner_id)
            job.object_ids = [Command.create({"lot_id": lot.id}) for lot in lots]

    @api.model
    def _demo_installed_lots(self, customer):
        return self.env["stock.lot"].search(
            [
                ("service_partner_id", "=", customer.id),
                ("service_state", "=", "installed"),
            ]
        )
