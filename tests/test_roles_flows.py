# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree, html

from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open

from .test_contract import ContractCommon
from .test_portal import ServicePortalCommon


@tagged("post_install", "-at_install")
class TestInventoryUserDelivery(ContractCommon):
    """A sold installed-base product goes out as it does in a company: a
    salesman confirms the order, a plain Inventory user ships it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.service_warranty_contract_on_delivery = True
        cls.plan_product = cls.env["product.product"].create(
            {
                "name": "Boiler maintenance plan",
                "type": "service",
                "list_price": 240.0,
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_number": 3,
                "service_recurring_interval_type": "month",
                "service_contract_duration_months": 12,
            }
        )
        cls.salesman = new_test_user(
            cls.env,
            login="sm_flow_salesman",
            groups="sales_team.group_sale_salesman",
            name="Sal Salesman",
        )
        cls.storekeeper = new_test_user(
            cls.env,
            login="sm_flow_storekeeper",
            groups="stock.group_stock_user",
            name="Stella Storekeeper",
        )

    def test_inventory_user_ships_sold_serials(self):
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "partner_shipping_id": self.customer_site.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.plan_product.id, "product_uom_qty": 1}
                        ),
                        Command.create(
                            {"product_id": self.boiler.id, "product_uom_qty": 2}
                        ),
                    ],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.service_contract_count, 1)

        picking = order.sudo().picking_ids.with_user(self.storekeeper)
        self.assertEqual(len(picking), 1)
        picking.action_assign()
        # what the storekeeper shipped, checked as the administrator
        lots = picking.move_line_ids.lot_id.sudo()
        self.assertEqual(len(lots), 2)
        picking.move_ids.picked = True
        result = picking.with_context(skip_sms=True).button_validate()
        self.assertIs(result, True)
        self.assertEqual(picking.state, "done")

        lots.invalidate_recordset()
        for lot in lots:
            self.assertEqual(lot.service_partner_id, self.customer)
            self.assertEqual(lot.service_address_id, self.customer_site)
            self.assertEqual(lot.service_state, "installed")
            self.assertTrue(lot.warranty_end_date)
        contracts = lots.service_contract_ids
        plan = order.sudo().service_contract_ids
        self.assertIn(plan, contracts)
        self.assertEqual(plan.lot_ids, lots)
        warranty = contracts - plan
        self.assertEqual(warranty.contract_type, "warranty")
        self.assertEqual(warranty.lot_ids, lots)


@tagged("post_install", "-at_install")
class TestPortalHomeTiles(ServicePortalCommon):
    """The service tiles of the portal home use pictograms of Odoo's size
    (64 px, as sale's and account's), not the 256 px app icon that squeezed
    their text on a phone."""

    def test_tiles_use_small_pictograms(self):
        self.authenticate("sm_portal", "sm_portal")
        page = html.fromstring(self._page("/my/home"))
        icons = {
            card.xpath("string(.//span[last()])").strip(): card.xpath(".//img/@src")[0]
            for card in page.xpath("//div[contains(@class, 'o_portal_index_card')]")
            if card.xpath(".//a[starts-with(@href, '/my/service/')]")
        }
        self.assertEqual(
            set(icons), {"Service Contracts", "Interventions", "Installed Products"}
        )
        for src in icons.values():
            self.assertTrue(src.endswith(".svg"), src)
            with file_open(src.lstrip("/")) as f:
                svg = etree.fromstring(f.read().encode())
            self.assertEqual((svg.get("width"), svg.get("height")), ("64", "64"))
