# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

import pytz
from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file

DEMO_FILES = ("demo/service_demo.xml", "demo/service_demo_story.xml")
# records of Odoo's own demo data the add-on's demo refers to
BASE_DEMO = {
    "base.res_partner_2": ("res.partner", {"name": "Deco Addict", "is_company": True}),
}


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    """The demo loaded on a database without it (the add-on installed, as
    ``make test`` does), on a Sunday: the story's promises hold."""

    NOW = "2026-11-15 09:30:00"  # a Sunday
    TODAY_JOB_DAY = date(2026, 11, 16)  # the next working day

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.xmlid = "service_management.demo_intervention_done_signed"
        if cls.env.ref(cls.xmlid, raise_if_not_found=False):
            cls.skipTest(cls, "the database already has the demo")
        for xmlid, (model, values) in BASE_DEMO.items():
            if not cls.env.ref(xmlid, raise_if_not_found=False):
                record = cls.env[model].create(values)
                module, name = xmlid.split(".")
                cls.env["ir.model.data"].create(
                    {
                        "module": module,
                        "name": name,
                        "model": model,
                        "res_id": record.id,
                    }
                )
        with freeze_time(cls.NOW):
            idref = {}
            for filename in DEMO_FILES:
                convert_file(
                    cls.env, "service_management", filename, idref, mode="init"
                )
            cls.env.flush_all()

    def _demo(self, name):
        return self.env.ref(f"service_management.{name}")

    def test_company_is_the_story(self):
        company = self.env.ref("base.main_company")
        self.assertEqual(company.name, "Clima Service S.r.l.")
        self.assertEqual(company.city, "Bologna")
        self.assertEqual(company.country_id, self.env.ref("base.it"))
        self.assertEqual(company.resource_calendar_id.tz, "Europe/Rome")
        self.assertEqual(self.env.ref("base.user_admin").tz, "Europe/Rome")

    def test_no_job_on_a_weekend(self):
        jobs = self.env["service.intervention"].search(
            [("scheduled_start", "!=", False)]
        )
        self.assertGreater(len(jobs), 8)
        rome = pytz.timezone("Europe/Rome")
        for job in jobs:
            for moment in (job.scheduled_start, job.actual_start, job.actual_end):
                if moment:
                    local = pytz.utc.localize(moment).astimezone(rome)
                    self.assertLess(local.weekday(), 5, f"{job.name} at {local}")
        for job in jobs.filtered(lambda j: j.origin == "planned"):
            self.assertLess(job.date_request, job.scheduled_start, job.name)
            local = pytz.utc.localize(job.date_request).astimezone(rome)
            self.assertLess(local.weekday(), 5, f"{job.name} planned on {local}")
        for line in jobs.line_ids.filtered("date"):
            self.assertLess(line.date.weekday(), 5, line.display_name)

    def test_today_job_on_the_first_working_day(self):
        today = self._demo("intervention_revision_today")
        start = pytz.utc.localize(today.scheduled_start).astimezone(
            pytz.timezone("Europe/Rome")
        )
        self.assertEqual(start.date(), self.TODAY_JOB_DAY)
        self.assertEqual(today.technician_id, self._demo("demo_employee_marco"))

    def test_conflict_to_see(self):
        self.assertTrue(self._demo("demo_intervention_plan_conflict").has_conflict)

    def test_every_site_job_has_its_objects(self):
        jobs = self.env["service.intervention"].search([("place", "=", "on_site")])
        for job in jobs:
            self.assertTrue(job.object_ids, f"{job.name} of {job.partner_id.name}")

    def test_plan_proposes_a_technician(self):
        dispatcher = self.env.ref("service_management.demo_user_dispatcher")
        technicians = (
            self._demo("demo_employee_marco")
            | self._demo("demo_employee_luca")
            | self._demo("demo_employee_giulia")
        )
        with freeze_time(self.NOW):
            wizard = (
                self.env["service.intervention.plan"]
                .with_user(dispatcher)
                .create(
                    {
                        "intervention_id": self._demo(
                            "demo_intervention_request_hotel"
                        ).id
                    }
                )
            )
            self.assertIn(wizard.technician_id, technicians)

    def test_something_to_invoice(self):
        accountant = self.env.ref("service_management.demo_user_accountant")
        with freeze_time(self.NOW):
            rows = (
                self.env["service.invoicing"]
                .with_user(accountant)
                ._preview(self.TODAY_JOB_DAY)
            )
        kinds = {row["kind"] for row in rows if not row["warnings"]}
        self.assertEqual(kinds, {"contract", "work"}, rows)

    def test_portal_customer_has_hours_and_response_time(self):
        laura = self.env.ref("service_management.demo_user_portal")
        contracts = self.env["service.contract"].with_user(laura).search([])
        prepaid = contracts.filtered(
            lambda c: c.allowance_hours and c.sla_response_hours
        )
        self.assertTrue(prepaid)
        self.assertGreater(prepaid[0].allowance_hours_left, 0)
        requests = (
            self.env["service.intervention"]
            .with_user(laura)
            .search([("origin", "=", "request"), ("state", "=", "draft")])
        )
        self.assertTrue(requests.filtered("sla_response_deadline"))

    def test_prices_above_costs(self):
        labour = self._demo("product_service_labour")
        employees = self.env["service.intervention.line"].search([]).employee_id
        employees |= self.env.ref("hr.employee_admin")
        for employee in employees:
            self.assertGreater(labour.list_price, employee.hourly_cost, employee.name)
        for activity in self.env["service.activity.type"].search([]):
            self.assertGreater(
                activity.product_id.list_price, activity.cost_per_hour, activity.name
            )


@tagged("post_install", "-at_install")
class TestDemoOnAWorkday(TestDemo):
    """The same promises when the demo is installed on a Wednesday: today's
    job is today."""

    allow_inherited_tests_method = True
    NOW = "2026-11-18 06:30:00"
    TODAY_JOB_DAY = date(2026, 11, 18)
