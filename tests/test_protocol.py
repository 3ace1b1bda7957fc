# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestProtocol(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.protocol = cls.env["service.protocol"].create(
            {
                "name": "12-month boiler revision",
                "code": "BOIL",
                "trigger": "periodic",
                "interval_number": 12,
                "interval_type": "month",
                "step_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Visual check",
                            "activity_type_id": cls.activity_inspection.id,
                            "mandatory": True,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Replace nozzle",
                            "activity_type_id": cls.activity_repair.id,
                            "planned_hours": 0.5,
                            "product_id": cls.product_part.id,
                            "product_qty": 2,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "Flue gas analysis",
                            "activity_type_id": cls.activity_inspection.id,
                            "planned_hours": 0.75,
                        }
                    ),
                ],
            }
        )

    def test_step_hours_default_from_activity_type(self):
        first = self.protocol.step_ids[0]
        self.assertEqual(first.planned_hours, 1.5)
        self.assertEqual(self.protocol.step_count, 3)
        self.assertAlmostEqual(self.protocol.planned_hours, 2.75)

    def test_step_hours_follow_activity_type_in_form(self):
        with Form(self.protocol) as form, form.step_ids.new() as step:
            step.name = "Repair what was found"
            step.activity_type_id = self.activity_repair
            self.assertEqual(step.planned_hours, 2.0)
        self.assertEqual(self.protocol.step_ids[-1].planned_hours, 2.0)

    def test_steps_ordered_by_sequence(self):
        self.protocol.step_ids[0].sequence = 10
        self.protocol.invalidate_recordset(["step_ids"])
        self.assertEqual(
            self.protocol.step_ids.mapped("name"),
            ["Replace nozzle", "Flue gas analysis", "Visual check"],
        )

    def test_periodic_interval_must_be_positive(self):
        for interval in (0, -3):
            with (
                self.subTest(interval=interval),
                self.assertRaisesRegex(
                    ValidationError, "is periodic: its interval must be at least 1"
                ),
                self.cr.savepoint(),
            ):
                self.protocol.write({"interval_number": interval})
        self.assertEqual(self.protocol.interval_number, 12)
        # a manual protocol does not care about the interval
        manual = self.env["service.protocol"].create(
            {"name": "On demand", "trigger": "manual", "interval_number": 0}
        )
        self.assertEqual(manual.trigger, "manual")
        with self.assertRaises(ValidationError), self.cr.savepoint():
            manual.trigger = "periodic"

    @mute_logger("odoo.sql_db")
    def test_negative_hours_and_quantity_refused(self):
        step = self.protocol.step_ids[1]
        for field in ("planned_hours", "product_qty"):
            with self.subTest(field=field):
                with self.assertRaises(IntegrityError), self.cr.savepoint():
                    step.write({field: -1})
                    step.flush_recordset()
        self.assertEqual(step.product_qty, 2)

    def test_step_activity_type_of_other_company_refused(self):
        foreign_type = self.env["service.activity.type"].create(
            {"name": "Foreign inspection", "company_id": self.other_company.id}
        )
        with (
            self.assertRaisesRegex(UserError, "company inconsistencies"),
            self.cr.savepoint(),
        ):
            self.protocol.write(
                {
                    "step_ids": [
                        Command.create(
                            {"name": "Foreign", "activity_type_id": foreign_type.id}
                        )
                    ]
                }
            )
        self.assertEqual(self.protocol.step_count, 3)

    def test_duplicate_copies_steps(self):
        action = self.protocol.action_duplicate()
        copy = self.env["service.protocol"].browse(action["res_id"])
        self.assertNotEqual(copy, self.protocol)
        self.assertEqual(action["res_model"], "service.protocol")
        self.assertEqual(copy.name, "12-month boiler revision (copy)")
        self.assertEqual(
            copy.step_ids.mapped("name"), self.protocol.step_ids.mapped("name")
        )
        self.assertEqual(copy.step_ids.mapped("product_qty"), [1.0, 2.0, 1.0])
        self.assertEqual(copy.step_ids.mapped("mandatory"), [True, False, False])
        self.assertFalse(copy.step_ids & self.protocol.step_ids)
        # the original keeps its own steps
        copy.step_ids[0].name = "Changed in the copy"
        self.assertEqual(self.protocol.step_ids[0].name, "Visual check")

    def test_duplicate_twice_keeps_codes_unique(self):
        first = self.protocol.copy()
        second = self.protocol.copy()
        self.assertFalse(first.code)
        self.assertFalse(second.code)
        self.assertEqual(second.step_count, 3)

    def test_archive_protocol(self):
        self.protocol.action_archive()
        self.assertFalse(self.env["service.protocol"].search([("code", "=", "BOIL")]))
        self.assertEqual(
            self.env["service.protocol"]
            .with_context(active_test=False)
            .search([("code", "=", "BOIL")]),
            self.protocol,
        )

    def test_access_rights(self):
        as_technician = self.protocol.with_user(self.user_technician)
        self.assertEqual(as_technician.step_ids[0].name, "Visual check")
        with self.assertRaises(AccessError):
            as_technician.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["service.protocol"].with_user(self.user_officer).create(
                {"name": "Officer protocol"}
            )
        protocol = (
            self.env["service.protocol"]
            .with_user(self.user_manager)
            .create(
                {
                    "name": "Manager protocol",
                    "step_ids": [Command.create({"name": "Only step"})],
                }
            )
        )
        self.assertEqual(protocol.step_count, 1)
