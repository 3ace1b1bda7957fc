# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInterventionPhoneTour(HttpCase):
    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech_user = new_test_user(
            cls.env,
            login="phone_tech",
            groups="service_management.group_service_technician",
            name="Phone Technician",
        )
        technician = cls.env["hr.employee"].create(
            {"name": "Phone Technician", "user_id": cls.tech_user.id}
        )
        customer = cls.env["res.partner"].create(
            {"name": "Phone Customer Srl", "is_company": True, "city": "Bologna"}
        )
        cls.env["service.activity.type"].create(
            {"name": "Phone Repair", "code": "PH-REP", "default_duration": 1.0}
        )
        part = cls.env["product.product"].create(
            {"name": "Phone Gasket", "type": "consu", "is_storable": True}
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            part, warehouse.lot_stock_id, 10
        )
        cls.intervention = cls.env["service.intervention"].create(
            {
                "partner_id": customer.id,
                "technician_id": technician.id,
                "scheduled_start": fields.Datetime.now(),
                "object_ids": [Command.create({"product_id": part.id})],
            }
        )
        cls.intervention.action_schedule()

    def test_technician_phone_flow(self):
        self.start_tour(
            "/odoo/action-service_management.action_service_intervention_my",
            "service_intervention_phone_tour",
            login="phone_tech",
        )
        intervention = self.intervention
        self.assertEqual(intervention.state, "done")
        self.assertEqual(intervention.signed_by, "Mario Rossi")
        self.assertTrue(intervention.signature)
        # the timer started by the tour still ran when the job was finished:
        # its time is recorded as one more activity line (issue 23)
        self.assertEqual(
            sorted(intervention.line_ids.mapped("line_type")),
            ["activity", "activity", "part"],
        )
        self.assertFalse(intervention.timer_ids)
        part_line = intervention.line_ids.filtered(
            lambda line: line.line_type == "part"
        )
        self.assertEqual(part_line.stock_move_id.state, "done")
