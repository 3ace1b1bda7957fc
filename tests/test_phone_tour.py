# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

# the page (and each of its elements) is no wider than the 375-pixel phone
FITS_THE_PHONE = """
const screen = window.innerWidth;
const wide = [];
for (const el of document.querySelectorAll("body, body *")) {
    const rect = el.getBoundingClientRect();
    const name = `${el.tagName}.${el.className} ${Math.round(rect.right)}`;
    const scrolls = el.scrollWidth > el.clientWidth + 1
        && getComputedStyle(el).overflowX !== "visible";
    if (rect.width && (rect.right > screen + 1 || scrolls)) {
        wide.push(`${name} (${el.scrollWidth})`);
    }
}
const width = document.documentElement.scrollWidth;
if (width > screen || wide.length) {
    const what = wide.slice(0, 8).join("; ");
    throw new Error(`${width}px wide on a ${screen}px screen: ${what}`);
}
console.log("test successful");
"""


@tagged("post_install", "-at_install")
class TestPhoneDayTour(HttpCase):
    """A technician's job on a 375-pixel phone, from landing to the report."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech_user = new_test_user(
            cls.env,
            login="phone_day_tech",
            groups="service_management.group_service_technician",
            name="Phone Day Technician",
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        van = cls.env["stock.location"].create(
            {
                "name": "Van Phone",
                "usage": "internal",
                "location_id": warehouse.view_location_id.id,
            }
        )
        technician = cls.env["hr.employee"].create(
            {
                "name": "Phone Day Technician",
                "user_id": cls.tech_user.id,
                "service_location_id": van.id,
            }
        )
        customer = cls.env["res.partner"].create(
            {
                "name": "Phone Customer Srl",
                "is_company": True,
                "street": "Via Roma 1",
                "city": "Bologna",
                "phone": "+39 051 000000",
                "email": "office@phone-customer.example.com",
            }
        )
        repair = cls.env["service.activity.type"].create(
            {"name": "Phone Repair", "code": "PH-REP", "default_duration": 1.0}
        )
        part = cls.env["product.product"].create(
            {
                "name": "Phone Gasket",
                "type": "consu",
                "is_storable": True,
                "barcode": "8001234567890",
            }
        )
        cls.env["stock.quant"]._update_available_quantity(part, van, 10)
        protocol = cls.env["service.protocol"].create(
            {
                "name": "Phone check",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Check the flue",
                            "activity_type_id": repair.id,
                            "mandatory": True,
                        }
                    )
                ],
            }
        )
        cls.intervention = cls.env["service.intervention"].create(
            {
                "partner_id": customer.id,
                "technician_id": technician.id,
                "scheduled_start": fields.Datetime.now(),
                "protocol_id": protocol.id,
                "object_ids": [Command.create({"product_id": part.id})],
            }
        )
        cls.intervention.action_apply_protocol()
        cls.intervention.action_schedule()
        cls.part = part

    def test_technician_day_on_a_phone(self):
        self.assertTrue(self.tech_user.action_id, "technicians land on Today")
        self.start_tour("/odoo", "service_phone_day_tour", login="phone_day_tech")
        job = self.intervention
        self.assertEqual(job.state, "done")
        self.assertEqual(job.signed_by, "Mario Rossi")
        self.assertTrue(job.signature)
        self.assertTrue(job.line_ids.filtered("protocol_step_id").done)
        timed = job.line_ids.filtered(
            lambda line: line.line_type == "activity" and not line.protocol_step_id
        )
        self.assertEqual(timed.quantity, 0.25, "the timer's time, rounded up")
        part_line = job.line_ids.filtered(lambda line: line.line_type == "part")
        self.assertEqual(part_line.product_id, self.part)
        self.assertEqual(part_line.stock_move_id.state, "done")
        self.assertTrue(job.message_ids.filtered(lambda m: m.message_type == "comment"))


@tagged("post_install", "-at_install")
class TestPhoneCloseTour(HttpCase):
    """A 375-pixel phone closes a job whose protocol is done in part, for a
    customer without email."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech_user = new_test_user(
            cls.env,
            login="phone_close_tech",
            groups="service_management.group_service_technician",
            name="Phone Close Technician",
        )
        technician = cls.env["hr.employee"].create(
            {"name": "Phone Close Technician", "user_id": cls.tech_user.id}
        )
        cls.technician = technician
        cls.customer = cls.env["res.partner"].create(
            {"name": "No Mail Hotel", "is_company": True, "city": "Bologna"}
        )
        labour = cls.env["product.product"].create(
            {"name": "Tour Labour", "type": "service", "list_price": 60.0}
        )
        clean = cls.env["service.activity.type"].create(
            {
                "name": "Tour Cleaning",
                "code": "TR-CLN",
                "default_duration": 1.0,
                "product_id": labour.id,
            }
        )
        cls.nozzle = cls.env["product.product"].create(
            {"name": "Tour Nozzle", "type": "consu", "list_price": 15.0}
        )
        protocol = cls.env["service.protocol"].create(
            {
                "name": "Tour service",
                "code": "TOUR",
                "step_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Clean the burner",
                            "activity_type_id": clean.id,
                            "planned_hours": 1.0,
                            "product_id": cls.nozzle.id,
                            "product_qty": 1,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Check the flue",
                            "activity_type_id": clean.id,
                            "planned_hours": 0.5,
                        }
                    ),
                ],
            }
        )
        cls.intervention = cls.env["service.intervention"].create(
            {
                "partner_id": cls.customer.id,
                "technician_id": technician.id,
                "scheduled_start": fields.Datetime.now(),
                "protocol_id": protocol.id,
            }
        )
        cls.intervention.action_apply_protocol()
        cls.intervention.action_schedule()

    def test_close_a_partly_done_job_for_a_customer_without_email(self):
        self.start_tour("/odoo", "service_phone_close_tour", login="phone_close_tech")
        job = self.intervention
        self.assertEqual(job.state, "done")
        self.assertEqual(set(job.line_ids.mapped("execution_state")), {"done"})
        step = job.line_ids.filtered("protocol_step_id")
        self.assertEqual(step.name, "Clean the burner")
        follow_up = self.env["service.intervention"].search(
            [("follow_up_of_id", "=", job.id)]
        )
        self.assertEqual(
            sorted(follow_up.line_ids.mapped("name")),
            ["Check the flue", "Tour Nozzle"],
        )
        self.assertEqual(job.signed_amount, job.amount_total)
        self.assertEqual(job.report_email, "frontdesk@nomail.example.com")
        self.assertFalse(self.customer.email)
        mail = self.env["mail.mail"].search(
            [("model", "=", job._name), ("res_id", "=", job.id)]
        )
        self.assertEqual(mail.email_to, "frontdesk@nomail.example.com")

    def test_reports_fit_a_phone(self):
        job = self.intervention
        lines = job.line_ids.filtered(lambda line: line.line_type == "activity")
        lines.write(
            {
                "done": True,
                "employee_id": self.technician.id,
                "date": fields.Date.context_today(job),
            }
        )
        job.work_summary = (
            "<p>Cleaned the burner and checked the flue of the boiler in the "
            "basement: everything works.</p>"
        )
        for report, ids in (
            ("service_management.report_service_intervention", job.ids),
            ("service_management.report_service_work", lines.ids),
        ):
            with self.subTest(report=report):
                self.browser_js(
                    f"/report/html/{report}/{','.join(map(str, ids))}",
                    FITS_THE_PHONE,
                    ready="document.readyState === 'complete'",
                    login="admin",
                )
