# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
