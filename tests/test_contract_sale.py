# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .test_contract import ContractCommon


@tagged("post_install", "-at_install")
class TestContractSale(ContractCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.maintenance_product = cls.env["product.product"].create(
            {
                "name": "Boiler maintenance plan",
                "type": "service",
                "list_price": 480.0,
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_number": 6,
                "service_recurring_interval_type": "month",
                "service_contract_duration_months": 24,
            }
        )
        cls.extra_visit_product = cls.env["product.product"].create(
            {
                "name": "Extra yearly visit",
                "type": "service",
                "list_price": 90.0,
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_number": 6,
                "service_recurring_interval_type": "month",
                "service_contract_duration_months": 24,
            }
        )
        cls.assistance_product = cls.env["product.product"].create(
            {
                "name": "On-call assistance",
                "type": "service",
                "list_price": 0.0,
                "service_contract_product": True,
                "service_contract_type": "assistance",
                "service_billing_method": "time_and_materials",
                "service_contract_duration_months": 12,
            }
        )

    def _order(self, products, **values):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "partner_shipping_id": self.customer_site.id,
                "date_order": datetime(2026, 2, 10, 10),
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in products
                ],
                **values,
            }
        )
        order.action_confirm()
        return order

    def test_one_contract_product(self):
        order = self._order([(self.maintenance_product, 1)])
        contract = order.service_contract_ids
        self.assertEqual(len(contract), 1)
        self.assertEqual(order.service_contract_count, 1)
        self.assertEqual(contract.state, "running")
        self.assertEqual(contract.partner_id, self.customer)
        self.assertEqual(contract.partner_shipping_id, self.customer_site)
        self.assertEqual(contract.pricelist_id, order.pricelist_id)
        self.assertEqual(contract.contract_type, "maintenance")
        self.assertEqual(contract.billing_method, "flat_rate")
        self.assertEqual(contract.recurring_interval_number, 6)
        # confirming the order dates it: the contract starts that day
        start = fields.Date.context_today(order, order.date_order)
        self.assertEqual(contract.date_start, start)
        self.assertEqual(contract.date_end, start + relativedelta(months=24, days=-1))
        self.assertEqual(contract.next_invoice_date, contract.date_start)
        self.assertEqual(contract.line_ids.price_unit, 480.0)
        self.assertEqual(contract.sale_line_id, order.order_line)
        action = order.action_view_service_contracts()
        self.assertEqual(action["res_id"], contract.id)
        self.assertEqual(contract.action_view_sale_order()["res_id"], order.id)

    def test_several_contract_products(self):
        order = self._order(
            [
                (self.maintenance_product, 1),
                (self.extra_visit_product, 2),
                (self.assistance_product, 1),
            ]
        )
        contracts = order.service_contract_ids
        # same configuration -> one contract with two fee lines
        self.assertEqual(len(contracts), 2)
        maintenance = contracts.filtered(lambda c: c.contract_type == "maintenance")
        self.assertEqual(
            maintenance.line_ids.product_id,
            self.maintenance_product | self.extra_visit_product,
        )
        self.assertEqual(maintenance.amount_untaxed, 480.0 + 180.0)
        assistance = contracts - maintenance
        self.assertEqual(assistance.billing_method, "time_and_materials")
        self.assertEqual(
            assistance.date_end,
            assistance.date_start + relativedelta(months=12, days=-1),
        )

    def test_draft_contracts_when_setting_off(self):
        self.company.service_contract_auto_start = False
        order = self._order([(self.maintenance_product, 1)])
        self.assertEqual(order.service_contract_ids.state, "draft")
        self.assertFalse(order.service_contract_ids.next_invoice_date)

    def test_delivered_serials_join_the_contract(self):
        lots = self._make_lots(self.boiler, ["SOLD-1", "SOLD-2"])
        order = self._order([(self.maintenance_product, 1), (self.boiler, 2)])
        contract = order.service_contract_ids
        self.assertFalse(contract.lot_ids)
        picking = order.picking_ids
        self._validate(picking, lots)
        self.assertEqual(contract.lot_ids, lots)
        self.assertEqual(lots.service_contract_ids, contract)
        self.assertEqual(lots[0].service_contract_count, 1)
        self.assertEqual(self.customer.service_contract_count, 1)

    def test_warranty_contract_at_delivery(self):
        self.company.service_warranty_contract_on_delivery = True
        lots = self._make_lots(self.boiler, ["WAR-1", "WAR-2"])
        picking = self._deliver(self.customer_site, lots)
        warranty = lots.service_contract_ids
        self.assertEqual(len(warranty), 1)
        self.assertEqual(warranty.contract_type, "warranty")
        self.assertEqual(warranty.billing_method, "none")
        self.assertEqual(warranty.state, "running")
        self.assertEqual(warranty.partner_id, self.customer)
        self.assertEqual(warranty.lot_ids, lots)
        self.assertEqual(warranty.date_end, lots[0].warranty_end_date)
        self.assertIn(picking.name, warranty.note)
        self.assertEqual(warranty.coverage_parts_pct, 100)

    def test_no_warranty_contract_by_default(self):
        lots = self._make_lots(self.boiler, ["NOWAR-1"])
        self._deliver(self.customer, lots)
        self.assertFalse(lots.service_contract_ids)
