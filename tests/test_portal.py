# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo import http
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestServicePortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Portal Condominium", "is_company": True}
        )
        cls.portal_user = new_test_user(
            cls.env, login="sm_portal", groups="base.group_portal", name="Paola Portal"
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        other = cls.env["res.partner"].create(
            {"name": "Someone Else", "is_company": True}
        )
        product = cls.env["product.product"].create(
            {"name": "Portal Boiler", "type": "consu", "service_warranty_months": 24}
        )
        cls.lot, cls.other_lot = cls.env["stock.lot"].create(
            [
                {
                    "name": "PB-0001",
                    "product_id": product.id,
                    "service_partner_id": cls.customer.id,
                    "service_state": "installed",
                    "warranty_end_date": date(2027, 5, 1),
                },
                {
                    "name": "PB-9999",
                    "product_id": product.id,
                    "service_partner_id": other.id,
                },
            ]
        )
        cls.contract = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer.id,
                "contract_type": "warranty",
                "lot_ids": [Command.set(cls.lot.ids)],
            }
        )
        cls.contract.action_start()
        cls.other_contract = cls.env["service.contract"].create(
            {"partner_id": other.id, "contract_type": "warranty"}
        )

    def test_customer_sees_own_records_only(self):
        self.authenticate("sm_portal", "sm_portal")
        page = self.url_open("/my/service/contracts").text
        self.assertIn(self.contract.name, page)
        self.assertNotIn(self.other_contract.name, page)
        page = self.url_open(f"/my/service/contracts/{self.contract.id}").text
        self.assertIn("PB-0001", page)
        # another customer's contract redirects to the portal home
        response = self.url_open(f"/my/service/contracts/{self.other_contract.id}")
        self.assertNotIn(self.other_contract.name, response.text)
        page = self.url_open("/my/service/installed").text
        self.assertIn("PB-0001", page)
        self.assertNotIn("PB-9999", page)

    def test_customer_requests_an_intervention(self):
        self.authenticate("sm_portal", "sm_portal")
        form = self.url_open("/my/service/request").text
        self.assertIn("PB-0001", form)
        response = self.url_open(
            "/my/service/request",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "lot_id": str(self.lot.id),
                "description": "No hot water since this morning",
            },
        )
        intervention = self.env["service.intervention"].search(
            [("partner_id", "=", self.portal_user.partner_id.id)]
        )
        self.assertEqual(len(intervention), 1)
        self.assertEqual(intervention.origin, "request")
        self.assertEqual(intervention.state, "draft")
        self.assertEqual(intervention.object_ids.lot_id, self.lot)
        self.assertIn("No hot water", intervention.description)
        self.assertEqual(intervention.contract_id, self.contract)
        self.assertIn(intervention.name, response.text)
        self.assertIn(
            intervention.name, self.url_open("/my/service/interventions").text
        )
        # a serial of another customer is ignored
        self.url_open(
            "/my/service/request",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "lot_id": str(self.other_lot.id),
                "description": "Trying someone else's boiler",
            },
        )
        latest = self.env["service.intervention"].search(
            [("partner_id", "=", self.portal_user.partner_id.id)],
            order="id desc",
            limit=1,
        )
        self.assertFalse(latest.object_ids)
