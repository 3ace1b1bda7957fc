# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.fields import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestInstalledBaseTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Customer Srl", "is_company": True}
        )
        product = cls.env["product.product"].create(
            {
                "name": "Tour Heat Pump",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "service_installed_base": True,
                "service_warranty_months": 36,
            }
        )
        cls.lot = cls.env["stock.lot"].create(
            {"name": "HP-TOUR-0001", "product_id": product.id}
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 1, lot_id=cls.lot
        )
        cls.picking = cls.env["stock.picking"].create(
            {
                "partner_id": cls.customer.id,
                "picking_type_id": warehouse.out_type_id.id,
                "move_ids": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1})
                ],
            }
        )
        cls.picking.action_confirm()
        cls.picking.action_assign()

    def test_validate_delivery_then_open_installed_product(self):
        self.assertEqual(self.picking.move_line_ids.lot_id, self.lot)
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{self.picking.id}",
            "service_installed_base_delivery_tour",
            login="admin",
        )
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.lot.service_state, "installed")
        self.assertEqual(self.lot.service_partner_id, self.customer)
