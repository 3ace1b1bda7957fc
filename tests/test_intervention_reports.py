# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import shutil
from datetime import date, datetime

from markupsafe import Markup

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import format_date
from odoo.tools.safe_eval import safe_eval, time

from .common import ServiceStockCommon

# a 1x1 transparent PNG
SIGNATURE_PNG = base64.b64encode(
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
        "DwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
)
INTERVENTION_REPORT = "service_management.action_report_service_intervention"
WORK_REPORT = "service_management.action_report_service_work"
WORK_PAGE = "o_service_work_page"


@tagged("post_install", "-at_install")
class TestInterventionReports(ServiceStockCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.customer.lang = "en_US"
        cls.tech_alice = cls.env["hr.employee"].create(
            {"name": "Alice Report-Tech", "hourly_cost": 30.0}
        )
        cls.tech_bruno = cls.env["hr.employee"].create(
            {"name": "Bruno Report-Tech", "hourly_cost": 40.0}
        )
        cls.mileage_product = cls.env["product.product"].create(
            {
                "name": "Mileage (report test)",
                "type": "service",
                "uom_id": cls.env.ref("uom.product_uom_km").id,
                "list_price": 0.5,
            }
        )
        cls.lot = cls._make_lots(cls.boiler, ["SN-RPT-0001"])
        cls.lot.write(
            {
                "service_partner_id": cls.customer.id,
                "service_state": "installed",
                "warranty_end_date": date(2027, 1, 31),
            }
        )
        # an assistance contract paying half of the travel
        cls.contract = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer.id,
                "contract_type": "assistance",
                "billing_method": "time_and_materials",
                "date_start": date(2026, 1, 1),
                "coverage_labor_pct": 0,
                "coverage_parts_pct": 0,
                "coverage_travel_pct": 50,
            }
        )
        cls.contract.action_start()
        day_1, day_2 = date(2026, 3, 2), date(2026, 3, 3)
        cls.intervention = cls.env["service.intervention"].create(
            {
                "partner_id": cls.customer.id,
                "technician_id": cls.tech_alice.id,
                "technician_ids": [Command.link(cls.tech_bruno.id)],
                "place": "on_site",
                "scheduled_start": datetime(2026, 3, 2, 8, 0),
                "scheduled_duration": 3.0,
                "description": "<p>The boiler is noisy at start-up.</p>",
                "work_summary": "<p>Nozzle cleaned, burner adjusted.</p>",
                "object_ids": [
                    Command.create(
                        {
                            "lot_id": cls.lot.id,
                            "symptom": "Noisy burner",
                            "diagnosis": "Dirty nozzle",
                            "outcome": "fixed",
                        }
                    ),
                    # the charged work is on an object without warranty
                    Command.create({"product_id": cls.untracked_serial_product.id}),
                ],
            }
        )
        obj, other = cls.intervention.object_ids
        activity = {
            "line_type": "activity",
            "activity_type_id": cls.activity_repair.id,
        }
        cls.env["service.intervention.line"].create(
            [
                # Alice, day 1: 1h30 under warranty + 1h charged = 02:30
                dict(
                    activity,
                    intervention_id=cls.intervention.id,
                    object_id=obj.id,
                    name="Burner check",
                    employee_id=cls.tech_alice.id,
                    date=day_1,
                    quantity=1.5,
                ),
                dict(
                    activity,
                    intervention_id=cls.intervention.id,
                    object_id=other.id,
                    name="Flue cleaning",
                    employee_id=cls.tech_alice.id,
                    date=day_1,
                    quantity=1.0,
                ),
                # Bruno, day 1: 2h
                dict(
                    activity,
                    intervention_id=cls.intervention.id,
                    object_id=other.id,
                    name="Burner adjustment",
                    employee_id=cls.tech_bruno.id,
                    date=day_1,
                    quantity=2.0,
                ),
                # Alice, day 2: 45 min
                dict(
                    activity,
                    intervention_id=cls.intervention.id,
                    object_id=other.id,
                    name="Final test",
                    employee_id=cls.tech_alice.id,
                    date=day_2,
                    quantity=0.75,
                ),
                {
                    "intervention_id": cls.intervention.id,
                    "line_type": "part",
                    "object_id": other.id,
                    "product_id": cls.product_part.id,
                    "date": day_1,
                    "quantity": 2.0,
                },
                {
                    "intervention_id": cls.intervention.id,
                    "line_type": "mileage",
                    "object_id": other.id,
                    "product_id": cls.mileage_product.id,
                    "date": day_1,
                    "quantity": 30.0,
                },
            ]
        )
        cls.lines = cls.intervention.line_ids

    def _render(self, report, records):
        html, report_type = self.env["ir.actions.report"]._render_qweb_html(
            report, records.ids
        )
        self.assertEqual(report_type, "html")
        return Markup(html.decode() if isinstance(html, bytes) else html)

    def test_intervention_report_content(self):
        intervention = self.intervention
        self.assertEqual(intervention.contract_id, self.contract)
        warranty_line = self.lines.filtered(lambda line: line.object_id.lot_id)
        mileage = self.lines.filtered(lambda line: line.line_type == "mileage")
        # 0 (warranty) + 50 + 100 + 37.50 labour, 2 x 20 parts, 50% of 15 mileage
        self.assertEqual(warranty_line.price_subtotal, 0.0)
        self.assertEqual(mileage.price_subtotal, 7.5)
        self.assertAlmostEqual(intervention.amount_total, 235.0)

        html = self._render(INTERVENTION_REPORT, intervention)
        self.assertIn(intervention.name, html)
        self.assertIn("Acme Condominium", html)
        self.assertIn("Via Roma 1", html, "the site address is printed")
        self.assertIn(self.contract.name, html)
        self.assertIn("Alice Report-Tech", html)
        self.assertIn("Bruno Report-Tech", html)
        self.assertIn("On Site", html)
        self.assertIn("The boiler is noisy at start-up.", html)
        self.assertIn("Nozzle cleaned, burner adjusted.", html)
        # serviced objects
        self.assertIn("SN-RPT-0001", html)
        self.assertIn("Noisy burner", html)
        self.assertIn("Dirty nozzle", html)
        self.assertIn("Fixed", html)
        # work, parts, travel: why the customer does not pay, and what he pays
        warranty_end = format_date(self.env, date(2027, 1, 31))
        warranty_reason = f"Warranty until {warranty_end}"
        self.assertEqual(warranty_line.coverage_reason, warranty_reason)
        self.assertIn(warranty_reason, html)
        self.assertEqual(mileage.coverage_reason, f"{self.contract.name}: travel 50%")
        self.assertIn(mileage.coverage_reason, html)
        for text in ("Burner check", "Flue cleaning", "Final test", "Nozzle (test)"):
            self.assertIn(text, html)
        self.assertIn("01:30", html, "activity hours are printed as HH:MM")
        self.assertIn("235.00", html, "the total the customer pays")
        self.assertIn("7.50", html)
        # no signature yet
        self.assertNotIn("Customer signature", html)

    def test_intervention_report_signature(self):
        self.intervention.write(
            {"signature": SIGNATURE_PNG, "signed_by": "Mario Rossi-Signer"}
        )
        self.assertTrue(self.intervention.signed_on)
        html = self._render(INTERVENTION_REPORT, self.intervention)
        self.assertIn("Customer signature", html)
        self.assertIn("Mario Rossi-Signer", html)
        self.assertIn("data:image/png;base64,", html)

    def test_intervention_report_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        html = self._render(INTERVENTION_REPORT, self.intervention)
        self.assertIn('data-oe-lang="fr_FR"', html)
        self.assertIn("235,00", html, "amounts follow the customer's language")

    def test_intervention_report_print_name(self):
        report = self.env.ref(INTERVENTION_REPORT)
        self.assertEqual(report.binding_model_id.model, "service.intervention")
        self.assertRegex(self.intervention.name, r"^SI/\d{4}/\d{5}$")
        filename = safe_eval(
            report.print_report_name, {"object": self.intervention, "time": time}
        )
        self.assertEqual(
            filename, "Intervention - " + self.intervention.name.replace("/", "-")
        )
        self.assertNotIn("/", filename)

    def test_daily_work_report(self):
        report = self.env.ref(WORK_REPORT)
        self.assertEqual(report.binding_model_id.model, "service.intervention.line")
        html = self._render(WORK_REPORT, self.lines)
        # one page per (technician, day): Alice x 2 days, Bruno x 1 day;
        # the part and mileage lines of the day's jobs are listed on them
        self.assertEqual(html.count(WORK_PAGE), 3)
        pages = html.split(WORK_PAGE)[1:]
        alice_1, alice_2, bruno_1 = pages
        self.assertIn("Alice Report-Tech", alice_1)
        self.assertIn(format_date(self.env, date(2026, 3, 2)), alice_1)
        self.assertIn("Burner check", alice_1)
        self.assertIn("Flue cleaning", alice_1)
        self.assertNotIn("Final test", alice_1)
        self.assertIn("Nozzle (test)", alice_1)
        self.assertNotIn("Nozzle (test)", alice_2, "no part on day 2")
        self.assertIn(self.intervention.name, alice_1)
        self.assertIn("Acme Condominium", alice_1)
        self.assertIn("02:30", alice_1, "total hours of Alice on day 1")
        self.assertIn("75.00", alice_1, "cost: 2.5 h x 30")
        self.assertIn("50.00", alice_1, "revenue: 1 h charged, 1.5 h under warranty")
        self.assertIn("Technician's signature", alice_1)

        self.assertIn("Alice Report-Tech", alice_2)
        self.assertIn(format_date(self.env, date(2026, 3, 3)), alice_2)
        self.assertIn("Final test", alice_2)
        self.assertIn("00:45", alice_2)

        self.assertIn("Bruno Report-Tech", bruno_1)
        self.assertIn("02:00", bruno_1)
        self.assertIn("80.00", bruno_1, "cost: 2 h x 40")

        # only activities selected: same pages; nothing printable: no page
        activities = self.lines.filtered(lambda line: line.line_type == "activity")
        self.assertEqual(self._render(WORK_REPORT, activities).count(WORK_PAGE), 3)
        others = self.lines - activities
        self.assertEqual(self._render(WORK_REPORT, others).count(WORK_PAGE), 0)

    def test_daily_work_report_hides_cost_from_technicians(self):
        self.tech_alice.user_id = self.user_technician
        lines = self.lines.filtered(lambda line: line.employee_id == self.tech_alice)
        html, __ = (
            self.env["ir.actions.report"]
            .with_user(self.user_technician)
            ._render_qweb_html(WORK_REPORT, lines.ids)
        )
        html = html.decode()
        self.assertEqual(html.count(WORK_PAGE), 2)
        self.assertIn("02:30", html)
        self.assertNotIn("75.00", html, "technicians do not read costs")

    def test_intervention_report_pdf(self):
        if not shutil.which("wkhtmltopdf"):
            self.skipTest("wkhtmltopdf is not installed: PDF rendering not tested")
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(INTERVENTION_REPORT, self.intervention.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_mail_template(self):
        template = self.env.ref("service_management.mail_template_service_intervention")
        self.assertEqual(template.model, "service.intervention")
        self.assertEqual(template.render_model, "service.intervention")
        self.assertEqual(
            template.report_template_ids, self.env.ref(INTERVENTION_REPORT)
        )
        intervention = self.intervention
        subject = template._render_field("subject", intervention.ids)[intervention.id]
        self.assertIn(intervention.name, subject)
        partner_to = template._render_field("partner_to", intervention.ids)
        self.assertEqual(partner_to[intervention.id], str(self.customer.id))
        lang = template._render_lang(intervention.ids)
        self.assertEqual(lang[intervention.id], "en_US")
        body = template._render_field("body_html", intervention.ids)[intervention.id]
        self.assertIn(intervention.name, body)
        self.assertIn("235.00", body)
