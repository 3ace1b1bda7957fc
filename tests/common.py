# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


class ServiceCommon(TransactionCase):
    """Data every service test needs, built once per class (no demo data)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Service Co"})
        cls.uom_hour = cls.env.ref("uom.product_uom_hour")
        cls.product_labour = cls.env["product.product"].create(
            {
                "name": "Labour (test)",
                "type": "service",
                "uom_id": cls.uom_hour.id,
                "list_price": 50.0,
            }
        )
        cls.product_part = cls.env["product.product"].create(
            {
                "name": "Nozzle (test)",
                "type": "consu",
                "is_storable": True,
                "list_price": 20.0,
                "standard_price": 8.0,
            }
        )
        cls.activity_inspection = cls.env["service.activity.type"].create(
            {
                "name": "Inspection",
                "code": "T-INSP",
                "product_id": cls.product_labour.id,
                "default_duration": 1.5,
                "cost_per_hour": 25.0,
                "place": "on_site",
            }
        )
        cls.activity_repair = cls.env["service.activity.type"].create(
            {
                "name": "Repair",
                "code": "T-REP",
                "product_id": cls.product_labour.id,
                "default_duration": 2.0,
            }
        )
        cls.user_technician = new_test_user(
            cls.env,
            login="sm_technician",
            groups="service_management.group_service_technician",
            name="Tess Technician",
        )
        cls.user_officer = new_test_user(
            cls.env,
            login="sm_officer",
            groups="service_management.group_service_officer",
            name="Oscar Officer",
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="sm_manager",
            groups="service_management.group_service_manager",
            name="Mara Manager",
        )


class ServiceStockCommon(ServiceCommon):
    """Adds a warehouse, customers and serial-tracked products to deliver."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Acme Condominium", "is_company": True}
        )
        cls.customer_site = cls.env["res.partner"].create(
            {
                "name": "Acme boiler room",
                "type": "delivery",
                "parent_id": cls.customer.id,
                "street": "Via Roma 1",
            }
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Beta Hotel", "is_company": True}
        )
        cls.boiler = cls.env["product.product"].create(
            {
                "name": "Boiler 24 kW",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "service_installed_base": True,
                "service_warranty_months": 24,
            }
        )
        cls.valve_lot_product = cls.env["product.product"].create(
            {
                "name": "Valve batch",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
                "service_installed_base": True,
                "service_warranty_months": 6,
            }
        )
        cls.untracked_serial_product = cls.env["product.product"].create(
            {
                "name": "Thermostat",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )

    @classmethod
    def _make_lots(cls, product, names, qty=1.0, location=None):
        lots = (
            cls.env["stock.lot"]
            .with_context(mail_create_nolog=True)
            .create([{"name": name, "product_id": product.id} for name in names])
        )
        for lot in lots:
            cls.env["stock.quant"]._update_available_quantity(
                product, location or cls.stock_location, qty, lot_id=lot
            )
        return lots

    @classmethod
    def _picking(cls, partner, product, qty, picking_type=None, src=None, dest=None):
        picking_type = picking_type or cls.warehouse.out_type_id
        picking = cls.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": (src or picking_type.default_location_src_id).id,
                "location_dest_id": (
                    dest
                    or picking_type.default_location_dest_id
                    or cls.customer_location
                ).id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": (
                                src or picking_type.default_location_src_id
                            ).id,
                            "location_dest_id": (
                                dest
                                or picking_type.default_location_dest_id
                                or cls.customer_location
                            ).id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return picking

    @classmethod
    def _validate(cls, picking, lots=None, backorder=False):
        """Validate a picking; with ``lots``, deliver exactly those."""
        if lots is not None:
            picking.move_line_ids.unlink()
            move = picking.move_ids
            cls.env["stock.move.line"].create(
                [
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": move.product_id.id,
                        "lot_id": lot.id,
                        "quantity": 1.0,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                    for lot in lots
                ]
            )
        picking.move_ids.picked = True
        picking.with_context(cancel_backorder=not backorder)._action_done()
        return picking

    @classmethod
    def _deliver(cls, partner, lots, **kwargs):
        picking = cls._picking(partner, lots.product_id, len(lots), **kwargs)
        return cls._validate(picking, lots)

    @classmethod
    def _return(cls, picking, lots=None):
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        action = wizard.action_create_returns_all()
        returned = cls.env["stock.picking"].browse(action["res_id"])
        return cls._validate(returned, lots)
