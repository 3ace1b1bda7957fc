# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestContractTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.partner"].create({"name": "Tour Hotel Spa", "is_company": True})
        cls.env["product.product"].create(
            {
                "name": "Tour maintenance plan",
                "type": "service",
                "list_price": 600.0,
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_number": 3,
                "service_recurring_interval_type": "month",
                "service_contract_duration_months": 12,
            }
        )

    def test_sell_maintenance_contract(self):
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "service_contract_sale_tour",
            login="admin",
        )
        contract = self.env["service.contract"].search(
            [("partner_id.name", "=", "Tour Hotel Spa")]
        )
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.state, "running")
        self.assertEqual(contract.line_ids.product_id.name, "Tour maintenance plan")
        self.assertEqual(contract.recurring_interval_number, 3)
