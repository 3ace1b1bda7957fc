# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.service_management.models.service_document_mixin import trusted

from .common import ServiceStockCommon


class InterventionCommon(ServiceStockCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.service_distance_km = 42.0
        cls.tech_user = cls.user_technician
        cls.technician = cls.env["hr.employee"].create(
            {
                "name": "Tess Technician",
                "user_id": cls.tech_user.id,
                "hourly_cost": 28.0,
            }
        )
        cls.technician_2 = cls.env["hr.employee"].create(
            {"name": "Ugo Helper", "hourly_cost": 0.0}
        )
        cls.mileage_product = cls.env["product.product"].create(
            {
                "name": "Mileage",
                "type": "service",
                "uom_id": cls.env.ref("uom.product_uom_km").id,
                "list_price": 0.5,
                "standard_price": 0.3,
            }
        )
        cls.travel_product = cls.env["product.product"].create(
            {"name": "Travel flat fee", "type": "service", "list_price": 40.0}
        )
        cls.company.write(
            {
                "service_mileage_product_id": cls.mileage_product.id,
                "service_travel_product_id": cls.travel_product.id,
            }
        )
        cls.serial_part = cls.env["product.product"].create(
            {
                "name": "Control board",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 150.0,
                "standard_price": 90.0,
            }
        )
        cls.board_lot = cls._make_lots(cls.serial_part, ["CB-0001"])
        cls.env["stock.quant"]._update_available_quantity(
            cls.product_part, cls.stock_location, 20
        )
        cls.boiler_lot = cls._make_lots(cls.boiler, ["BX-INT-1"])
        cls.boiler_lot.write(
            {
                "service_partner_id": cls.customer.id,
                "service_state": "installed",
                "service_installed_on": date(2020, 1, 1),
                "warranty_end_date": date(2022, 1, 1),
            }
        )
        cls.contract = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer.id,
                "contract_type": "maintenance",
                "date_start": date(2025, 1, 1),
                "coverage_labor_pct": 100,
                "coverage_parts_pct": 50,
                "coverage_travel_pct": 0,
                "lot_ids": [Command.set(cls.boiler_lot.ids)],
                "line_ids": [Command.create({"product_id": cls.product_labour.id})],
            }
        )
        cls.contract.action_start()

    @classmethod
    def _intervention(cls, **values):
        vals = {
            "partner_id": cls.customer.id,
            "technician_id": cls.technician.id,
            "scheduled_start": datetime(2026, 11, 2, 9, 0),
            "object_ids": [Command.create({"lot_id": cls.boiler_lot.id})],
        }
        vals.update(values)
        return cls.env["service.intervention"].create(vals)

    @staticmethod
    def _line(intervention, **values):
        intervention.line_ids = [Command.create(values)]
        return intervention.line_ids[-1]


@tagged("post_install", "-at_install")
class TestInterventionContract(InterventionCommon):
    def test_contract_proposed_from_the_serial(self):
        intervention = self._intervention()
        self.assertEqual(intervention.contract_id, self.contract)
        self.assertRegex(intervention.name, r"^SI/\d{4}/\d{5}$")
        self.assertEqual(self.contract.intervention_count, 1)
        self.assertEqual(self.boiler_lot.service_intervention_count, 1)
        self.assertEqual(self.customer.service_intervention_count, 1)

    def test_assistance_contract_proposed_without_covering_contract(self):
        assistance = self.env["service.contract"].create(
            {"partner_id": self.customer.id, "contract_type": "assistance"}
        )
        assistance.action_start()
        intervention = self._intervention(
            object_ids=[Command.create({"product_id": self.boiler.id})]
        )
        self.assertEqual(intervention.contract_id, assistance)

    def test_no_contract_for_another_customer(self):
        intervention = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        self.assertFalse(intervention.contract_id)
        # the proposal can be changed by the user
        with Form(self._intervention()) as form:
            form.contract_id = self.env["service.contract"]
        self.assertFalse(form.record.contract_id)

    def test_serial_of_another_customer_refused(self):
        with self.assertRaisesRegex(ValidationError, "is not installed at Beta Hotel"):
            self._intervention(partner_id=self.customer_b.id)


@tagged("post_install", "-at_install")
class TestInterventionPricing(InterventionCommon):
    def test_labour_covered_100_by_contract(self):
        intervention = self._intervention()
        line = self._line(
            intervention,
            line_type="activity",
            activity_type_id=self.activity_inspection.id,
            object_id=intervention.object_ids.id,
        )
        self.assertEqual(line.quantity, 1.5)  # activity type default duration
        self.assertEqual(line.employee_id, self.technician)
        self.assertEqual(line.product_id, self.product_labour)
        self.assertEqual(line.price_unit, 50.0)
        self.assertEqual(line.amount_gross, 75.0)
        self.assertEqual(line.coverage_pct, 100)
        self.assertEqual(line.coverage_reason, f"{self.contract.name}: labour 100%")
        self.assertEqual(line.price_subtotal, 0.0)
        # cost: the technician's hourly cost first
        self.assertEqual(line.unit_cost, 28.0)
        self.assertEqual(line.cost_subtotal, 42.0)

    def test_activity_cost_falls_back_to_activity_type(self):
        intervention = self._intervention()
        line = self._line(
            intervention,
            line_type="activity",
            activity_type_id=self.activity_inspection.id,
            employee_id=self.technician_2.id,
            quantity=2,
        )
        self.assertEqual(line.unit_cost, 25.0)
        self.assertEqual(line.cost_subtotal, 50.0)

    def test_parts_covered_50_with_discount(self):
        intervention = self._intervention()
        line = self._line(
            intervention,
            line_type="part",
            product_id=self.product_part.id,
            quantity=3,
            discount=10,
            object_id=intervention.object_ids.id,
        )
        self.assertEqual(line.price_unit, 20.0)
        self.assertEqual(line.amount_gross, 54.0)
        self.assertEqual(line.coverage_pct, 50)
        self.assertEqual(line.coverage_reason, f"{self.contract.name}: parts 50%")
        self.assertEqual(line.price_subtotal, 27.0)
        self.assertEqual(line.cost_subtotal, 24.0)

    def test_travel_and_mileage_not_covered(self):
        intervention = self._intervention()
        travel = self._line(intervention, line_type="travel")
        mileage = self._line(intervention, line_type="mileage")
        self.assertEqual(travel.product_id, self.travel_product)
        self.assertEqual(travel.price_subtotal, 40.0)
        self.assertEqual(travel.coverage_pct, 0)
        self.assertFalse(travel.coverage_reason)
        self.assertEqual(mileage.product_id, self.mileage_product)
        self.assertEqual(mileage.quantity, 42.0)
        self.assertEqual(mileage.price_subtotal, 21.0)
        self.assertAlmostEqual(mileage.cost_subtotal, 12.6)
        trusted(self.contract).coverage_travel_pct = 100
        self.assertEqual(travel.price_subtotal, 0.0)
        self.assertEqual(travel.coverage_reason, f"{self.contract.name}: travel 100%")

    def test_expense_is_billed_at_cost(self):
        intervention = self._intervention()
        expense = self._line(
            intervention, line_type="expense", name="Parking ticket", price_unit=6.5
        )
        self.assertEqual(expense.price_subtotal, 6.5)
        self.assertEqual(expense.cost_subtotal, 6.5)
        self.assertEqual(expense.coverage_pct, 0)

    def test_warranty_covers_labour_and_parts(self):
        self.boiler_lot.warranty_end_date = date(2027, 3, 1)
        intervention = self._intervention(contract_id=False)
        obj = intervention.object_ids
        labour = self._line(
            intervention,
            line_type="activity",
            activity_type_id=self.activity_repair.id,
            object_id=obj.id,
            date=date(2026, 11, 2),
        )
        travel = self._line(intervention, line_type="travel", object_id=obj.id)
        self.assertEqual(labour.coverage_pct, 100)
        self.assertIn("Warranty until", labour.coverage_reason)
        self.assertIn("2027", labour.coverage_reason)
        self.assertEqual(labour.price_subtotal, 0.0)
        self.assertEqual(travel.price_subtotal, 40.0)

    def test_no_contract_zero_coverage_and_pricelist(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Beta prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.product_labour.id,
                            "compute_price": "fixed",
                            "fixed_price": 65.0,
                        }
                    )
                ],
            }
        )
        self.customer_b.property_product_pricelist = pricelist
        intervention = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        line = self._line(
            intervention,
            line_type="activity",
            activity_type_id=self.activity_repair.id,
            quantity=2,
        )
        self.assertEqual(intervention.pricelist_id, pricelist)
        self.assertEqual(line.price_unit, 65.0)
        self.assertEqual(line.coverage_pct, 0)
        self.assertEqual(line.price_subtotal, 130.0)
        self.assertEqual(intervention.amount_total, 130.0)

    def test_non_billable_activity(self):
        self.activity_inspection.billable = False
        intervention = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        line = self._line(
            intervention,
            line_type="activity",
            activity_type_id=self.activity_inspection.id,
        )
        self.assertFalse(line.billable)
        self.assertEqual(line.price_subtotal, 0.0)

    def test_coverage_frozen_when_done(self):
        intervention = self._intervention()
        line = self._line(
            intervention,
            line_type="part",
            product_id=self.product_part.id,
            object_id=intervention.object_ids.id,
        )
        intervention.action_start()
        intervention.action_done()
        trusted(self.contract).coverage_parts_pct = 0
        self.assertEqual(line.coverage_pct, 50)
        self.assertEqual(line.price_subtotal, 10.0)
        self.assertEqual(line.coverage_reason, f"{self.contract.name}: parts 50%")


@tagged("post_install", "-at_install")
class TestInterventionWorkflow(InterventionCommon):
    def test_full_workflow_with_serial_part(self):
        intervention = self._intervention(technician_id=False, scheduled_start=False)
        with self.assertRaisesRegex(UserError, "Set the date and the technician"):
            intervention.action_schedule()
        intervention.write(
            {
                "technician_id": self.technician.id,
                "scheduled_start": datetime(2026, 11, 2, 9),
            }
        )
        intervention.action_schedule()
        self.assertEqual(intervention.state, "scheduled")
        self.assertEqual(intervention.scheduled_end, datetime(2026, 11, 2, 10))
        intervention.action_start()
        self.assertEqual(intervention.state, "in_progress")
        self.assertTrue(intervention.actual_start)
        with self.assertRaisesRegex(UserError, "Record the work done"):
            intervention.action_done()
        part = self._line(
            intervention,
            line_type="part",
            product_id=self.serial_part.id,
            lot_id=self.board_lot.id,
            object_id=intervention.object_ids.id,
        )
        self._line(
            intervention, line_type="activity", activity_type_id=self.activity_repair.id
        )
        intervention.action_done()
        self.assertEqual(intervention.state, "done")
        self.assertTrue(intervention.actual_end)
        move = part.stock_move_id
        self.assertEqual(move.state, "done")
        self.assertEqual(move.location_id, self.stock_location)
        self.assertEqual(move.location_dest_id.usage, "customer")
        self.assertEqual(move.move_line_ids.lot_id, self.board_lot)
        self.assertEqual(self.board_lot.product_qty, 0)
        self.assertEqual(intervention.invoice_status, "to_invoice")
        with self.assertRaisesRegex(UserError, "re-open it to change"):
            part.quantity = 2

    def test_parts_from_the_technicians_van(self):
        van = self.env["stock.location"].create(
            {
                "name": "Van 1",
                "usage": "internal",
                "location_id": self.stock_location.id,
            }
        )
        self.env["stock.quant"]._update_available_quantity(self.product_part, van, 5)
        self.technician.service_location_id = van
        intervention = self._intervention()
        self.assertEqual(intervention.location_id, van)
        part = self._line(
            intervention, line_type="part", product_id=self.product_part.id, quantity=2
        )
        intervention.action_start()
        intervention.action_done()
        self.assertEqual(part.stock_move_id.location_id, van)
        self.assertEqual(
            self.product_part.with_context(location=van.id).qty_available, 3
        )

    def test_tracked_part_needs_its_serial(self):
        intervention = self._intervention()
        self._line(intervention, line_type="part", product_id=self.serial_part.id)
        intervention.action_start()
        with (
            self.assertRaisesRegex(UserError, "Enter the serial/lot"),
            self.cr.savepoint(),
        ):
            intervention.action_done()
        self.assertEqual(intervention.state, "in_progress")

    def test_protocol_steps_and_mandatory_ticks(self):
        protocol = self.env["service.protocol"].create(
            {
                "name": "Revision",
                "step_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Safety check",
                            "activity_type_id": self.activity_inspection.id,
                            "planned_hours": 0.5,
                            "mandatory": True,
                            "instructions": "<p>Check the gas valve</p>",
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Replace nozzle",
                            "activity_type_id": self.activity_repair.id,
                            "planned_hours": 0.25,
                            "product_id": self.product_part.id,
                            "product_qty": 2,
                        }
                    ),
                ],
            }
        )
        intervention = self._intervention(protocol_id=protocol.id)
        self.assertEqual(intervention.scheduled_duration, 0.75)
        intervention.action_apply_protocol()
        lines = intervention.line_ids
        self.assertEqual(
            [(line.line_type, line.name, line.quantity) for line in lines],
            [
                ("activity", "Safety check", 0.5),
                ("activity", "Replace nozzle", 0.25),
                ("part", self.product_part.display_name, 2.0),
            ],
        )
        self.assertIn("gas valve", lines[0].note)
        self.assertEqual(lines.object_id, intervention.object_ids)
        # applying twice adds nothing
        intervention.action_apply_protocol()
        self.assertEqual(len(intervention.line_ids), 3)
        intervention.action_start()
        with (
            self.assertRaisesRegex(UserError, "Tick the mandatory steps.*Safety check"),
            self.cr.savepoint(),
        ):
            intervention.action_done()
        lines[0].done = True
        intervention.action_done()
        self.assertEqual(intervention.state, "done")

    def test_reopen_refused_once_invoiced(self):
        intervention = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        line = self._line(intervention, line_type="travel")
        intervention.action_start()
        intervention.action_done()
        intervention.action_reopen()
        self.assertEqual(intervention.state, "in_progress")
        intervention.action_done()
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_b.id,
                "invoice_line_ids": [
                    Command.create({"name": "Travel", "quantity": 1, "price_unit": 40})
                ],
            }
        )
        trusted(line).invoice_line_ids = invoice.invoice_line_ids
        self.assertEqual(line.invoice_status, "invoiced")
        self.assertEqual(intervention.invoice_status, "invoiced")
        with self.assertRaisesRegex(UserError, "already invoiced"):
            intervention.action_reopen()
        with self.assertRaisesRegex(UserError, "is invoiced"):
            line.write({"quantity": 3})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            intervention.unlink()

    def test_place_change_moves_serial_in_repair(self):
        intervention = self._intervention()
        self.cr.precommit.run()  # end of the creating transaction
        intervention.place = "in_house"
        self.assertEqual(self.boiler_lot.service_state, "in_repair")
        # the move is logged on the chatter, with its date
        self.cr.precommit.run()
        tracked = intervention.message_ids.tracking_value_ids
        self.assertIn("In House", tracked.mapped("new_value_char"))
        intervention.place = "on_site"
        self.assertEqual(self.boiler_lot.service_state, "installed")
        intervention.place = "in_house"
        self._line(intervention, line_type="travel")
        intervention.action_start()
        intervention.action_done()
        self.assertEqual(self.boiler_lot.service_state, "installed")

    def test_send_report_by_email(self):
        intervention = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        self.customer_b.email = "beta@example.com"
        self._line(intervention, line_type="travel")
        intervention.action_start()
        intervention.action_done()
        action = intervention.action_send_report()
        composer = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertIn(intervention.name, composer.subject)
        self.assertEqual(composer.partner_ids, self.customer_b)
        composer.action_send_mail()
        message = intervention.message_ids[0]
        self.assertEqual(message.partner_ids, self.customer_b)
        self.assertTrue(message.attachment_ids.name.startswith("Intervention"))

    def test_signature_records_date(self):
        intervention = self._intervention()
        intervention.write({"signature": b"aGVsbG8=", "signed_by": "Mario Rossi"})
        self.assertTrue(intervention.signed_on)
        action = intervention.action_sign()
        self.assertEqual(action["target"], "new")


@tagged("post_install", "-at_install")
class TestInterventionRefusals(InterventionCommon):
    @mute_logger("odoo.sql_db")
    def test_negative_hours_quantities_km(self):
        intervention = self._intervention()
        for line_type in ("activity", "part", "mileage"):
            with (
                self.subTest(line_type=line_type),
                self.assertRaises(IntegrityError),
                self.cr.savepoint(),
            ):
                self._line(
                    intervention,
                    line_type=line_type,
                    product_id=self.product_part.id,
                    activity_type_id=self.activity_repair.id,
                    quantity=-1,
                )
                self.env.flush_all()

    @mute_logger("odoo.sql_db")
    def test_end_before_start(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self._intervention(
                scheduled_start=datetime(2026, 11, 2, 9),
                scheduled_end=datetime(2026, 11, 2, 8),
            )
            self.env.flush_all()

    def test_technician_sees_only_own_interventions(self):
        mine = self._intervention()
        other = self._intervention(technician_id=self.technician_2.id)
        Intervention = self.env["service.intervention"].with_user(self.tech_user)
        self.assertEqual(Intervention.search([("id", "in", (mine | other).ids)]), mine)
        with self.assertRaises(AccessError):
            other.with_user(self.tech_user).read(["name"])
        # the technician records work on their own intervention
        as_tech = mine.with_user(self.tech_user)
        as_tech.action_start()
        as_tech.line_ids = [
            Command.create(
                {"line_type": "activity", "activity_type_id": self.activity_repair.id}
            )
        ]
        as_tech.action_done()
        self.assertEqual(mine.state, "done")
        self.assertEqual(mine.line_ids.unit_cost, 28.0)


@tagged("post_install", "-at_install")
class TestWorkReports(InterventionCommon):
    def test_daily_groups_by_technician_and_day(self):
        first = self._intervention()
        second = self._intervention(partner_id=self.customer_b.id, object_ids=[])
        day1, day2 = date(2026, 11, 2), date(2026, 11, 3)
        for intervention, employee, day, hours in (
            (first, self.technician, day1, 2.0),
            (second, self.technician, day1, 1.5),
            (second, self.technician, day2, 3.0),
            (first, self.technician_2, day1, 4.0),
        ):
            self._line(
                intervention,
                line_type="activity",
                activity_type_id=self.activity_repair.id,
                employee_id=employee.id,
                date=day,
                quantity=hours,
            )
        self._line(first, line_type="travel", date=day1)
        lines = (first | second).line_ids
        groups = lines._daily_groups()
        self.assertEqual(
            [(emp.name, day, sum(ls.mapped("quantity"))) for (emp, day), ls in groups],
            [
                ("Tess Technician", day1, 3.5),
                ("Tess Technician", day2, 3.0),
                ("Ugo Helper", day1, 4.0),
            ],
        )
        # the Work Reports pivot reads the same grouping from the database
        data = self.env["service.intervention.line"]._read_group(
            [("id", "in", lines.ids), ("line_type", "=", "activity")],
            ["employee_id", "date:day"],
            ["quantity:sum", "cost_subtotal:sum"],
        )
        totals = {(emp.name, str(day)): (qty, cost) for emp, day, qty, cost in data}
        self.assertEqual(totals[("Tess Technician", "2026-11-02")], (3.5, 98.0))
        self.assertEqual(totals[("Ugo Helper", "2026-11-02")][0], 4.0)
        self.assertEqual(len(data), 3)
