# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInvoicingTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="tour_accountant",
            groups="account.group_account_invoice",
            name="Tour Accountant",
        )
        partner = cls.env["res.partner"].create(
            {"name": "Tour Invoiced Customer", "is_company": True}
        )
        product = cls.env["product.product"].create(
            {"name": "Tour yearly fee", "type": "service", "list_price": 1200.0}
        )
        cls.contract = cls.env["service.contract"].create(
            {
                "partner_id": partner.id,
                "contract_type": "maintenance",
                "date_start": fields.Date.context_today(partner),
                "recurring_interval_number": 12,
                "line_ids": [Command.create({"product_id": product.id})],
            }
        )
        cls.contract.action_start()

    def test_accountant_invoices_due_contracts(self):
        self.start_tour("/odoo", "service_invoicing_tour", login="tour_accountant")
        move = self.env["account.move"].search(
            [("service_contract_id", "=", self.contract.id)]
        )
        self.assertEqual(len(move), 1)
        self.assertEqual(move.amount_untaxed, 1200.0)
