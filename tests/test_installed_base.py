# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.service_management.models.stock_move import SKIP_INSTALLED_BASE

from .common import ServiceStockCommon


@tagged("post_install", "-at_install")
class TestInstalledBaseDelivery(ServiceStockCommon):
    def _messages(self, lot):
        return lot.message_ids.filtered(lambda m: m.message_type == "notification")

    def test_one_step_delivery_registers_serials(self):
        lots = self._make_lots(self.boiler, ["B-001", "B-002", "B-003"])
        picking = self._deliver(self.customer_site, lots)
        today = fields.Date.context_today(picking)
        self.assertEqual(picking.state, "done")
        for lot in lots:
            self.assertEqual(lot.service_state, "installed")
            self.assertEqual(lot.service_partner_id, self.customer)
            self.assertEqual(lot.service_address_id, self.customer_site)
            self.assertEqual(lot.service_installed_on, today)
            self.assertEqual(lot.warranty_end_date, today + relativedelta(months=24))
            self.assertTrue(lot.under_warranty)
            message = self._messages(lot)
            self.assertEqual(len(message), 1)
            self.assertIn(picking.name, message.body)
            self.assertIn(f'data-oe-id="{picking.id}"', message.body)
        self.assertEqual(self.customer.service_lot_count, 3)
        self.assertEqual(self.customer_site.service_lot_count, 3)
        self.assertEqual(self.boiler.product_tmpl_id.service_installed_count, 3)

    def test_lot_tracked_product(self):
        lot = self._make_lots(self.valve_lot_product, ["VALVES-26"], qty=10)
        picking = self._picking(self.customer, self.valve_lot_product, 4)
        self._validate(picking)
        self.assertEqual(picking.move_line_ids.lot_id, lot)
        self.assertEqual(lot.service_state, "installed")
        self.assertEqual(lot.service_partner_id, self.customer)
        self.assertEqual(
            lot.warranty_end_date, lot.service_installed_on + relativedelta(months=6)
        )

    def test_product_not_tracked_in_installed_base_is_ignored(self):
        lots = self._make_lots(self.untracked_serial_product, ["T-1"])
        self._deliver(self.customer, lots)
        self.assertEqual(lots.service_state, "in_stock")
        self.assertFalse(lots.service_partner_id)
        self.assertFalse(self._messages(lots))

    def test_no_warranty_months_means_no_warranty(self):
        self.boiler.service_warranty_months = 0
        lots = self._make_lots(self.boiler, ["B-NW"])
        self._deliver(self.customer, lots)
        self.assertEqual(lots.service_state, "installed")
        self.assertFalse(lots.warranty_end_date)
        self.assertFalse(lots.under_warranty)

    def test_three_step_delivery_registers_on_ship_only(self):
        self.warehouse.delivery_steps = "pick_pack_ship"
        lots = self._make_lots(self.boiler, ["B-3S-1", "B-3S-2"])
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "partner_shipping_id": self.customer_site.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    fields.Command.create(
                        {"product_id": self.boiler.id, "product_uom_qty": 2}
                    )
                ],
            }
        )
        order.action_confirm()
        pickings = order.picking_ids
        pick = pickings.filtered(
            lambda p: p.picking_type_id == self.warehouse.pick_type_id
        )
        self.assertTrue(pick)
        pick.action_assign()
        self._validate(pick)
        self.assertEqual(
            set(pick.move_line_ids.lot_id.mapped("name")), set(lots.mapped("name"))
        )
        self.assertEqual(lots.mapped("service_state"), ["in_stock", "in_stock"])
        pack = order.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.pack_type_id
        )
        pack.action_assign()
        self._validate(pack)
        self.assertEqual(lots.mapped("service_state"), ["in_stock", "in_stock"])
        ship = order.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.out_type_id
        )
        ship.action_assign()
        self._validate(ship)
        self.assertEqual(lots.mapped("service_state"), ["installed", "installed"])
        self.assertEqual(lots.service_address_id, self.customer_site)
        self.assertEqual(lots.service_partner_id, self.customer)

    def test_dropship_like_move_from_supplier_registers(self):
        supplier_location = self.env.ref("stock.stock_location_suppliers")
        lots = self._make_lots(self.boiler, ["B-DS"], location=supplier_location)
        picking = self._picking(
            self.customer,
            self.boiler,
            1,
            picking_type=self.warehouse.out_type_id,
            src=supplier_location,
            dest=self.customer_location,
        )
        self._validate(picking, lots)
        self.assertEqual(lots.service_state, "installed")
        self.assertEqual(lots.service_partner_id, self.customer)

    def test_return_sets_returned_and_logs(self):
        lots = self._make_lots(self.boiler, ["B-R1", "B-R2"])
        delivery = self._deliver(self.customer, lots)
        returned_lot = lots[0]
        return_picking = self._return(delivery, returned_lot)
        self.assertEqual(returned_lot.service_state, "returned")
        self.assertEqual(lots[1].service_state, "installed")
        # the customer who returned it stays on record
        self.assertEqual(returned_lot.service_partner_id, self.customer)
        last = self._messages(returned_lot)[0]
        self.assertIn("Returned by Acme Condominium", last.body)
        self.assertIn(return_picking.name, last.body)

    def test_redelivery_to_another_customer_reassigns(self):
        lots = self._make_lots(self.boiler, ["B-RD"])
        delivery = self._deliver(self.customer, lots)
        self._return(delivery, lots)
        # back in stock, then sold again to another customer
        second = self._deliver(self.customer_b, lots)
        self.assertEqual(lots.service_state, "installed")
        self.assertEqual(lots.service_partner_id, self.customer_b)
        self.assertEqual(lots.service_address_id, self.customer_b)
        last = self._messages(lots)[0]
        self.assertIn("Re-assigned from Acme Condominium to Beta Hotel", last.body)
        self.assertIn(second.name, last.body)
        self.assertEqual(len(self._messages(lots)), 3)
        self.assertEqual(self.customer.service_lot_count, 0)
        self.assertEqual(self.customer_b.service_lot_count, 1)

    def test_redelivery_to_same_customer_keeps_warranty(self):
        lots = self._make_lots(self.boiler, ["B-SAME"])
        delivery = self._deliver(self.customer, lots)
        lots.write(
            {
                "service_installed_on": date(2025, 1, 10),
                "warranty_end_date": date(2027, 1, 10),
            }
        )
        self._return(delivery, lots)
        self._deliver(self.customer, lots)
        self.assertEqual(lots.service_state, "installed")
        self.assertEqual(lots.service_installed_on, date(2025, 1, 10))
        self.assertEqual(lots.warranty_end_date, date(2027, 1, 10))
        self.assertIn("Delivered again", self._messages(lots)[0].body)

    def test_backorder_registers_only_what_shipped(self):
        lots = self._make_lots(self.boiler, ["B-BO-1", "B-BO-2", "B-BO-3"])
        picking = self._picking(self.customer, self.boiler, 3)
        self._validate(picking, lots[:2], backorder=True)
        self.assertEqual(
            lots.mapped("service_state"), ["installed", "installed", "in_stock"]
        )
        backorder = self.env["stock.picking"].search(
            [("backorder_id", "=", picking.id)]
        )
        self.assertEqual(len(backorder), 1)
        backorder.action_assign()
        self._validate(backorder, lots[2])
        self.assertEqual(lots[2].service_state, "installed")

    def test_cancelled_delivery_changes_nothing(self):
        lots = self._make_lots(self.boiler, ["B-CX"])
        picking = self._picking(self.customer, self.boiler, 1)
        picking.action_cancel()
        self.assertEqual(lots.service_state, "in_stock")
        self.assertFalse(self._messages(lots))

    def test_hook_cost_does_not_grow_with_serials(self):
        """Registering 40 serials costs the same queries as registering 4."""
        small = self._make_lots(self.boiler, [f"Q-S-{i}" for i in range(4)])
        large = self._make_lots(self.boiler, [f"Q-L-{i}" for i in range(40)])
        warm_up = self._make_lots(self.boiler, ["Q-W-1"])
        self._deliver(self.customer_site, warm_up)
        costs = []
        for lots in (small, large):
            picking = self._picking(self.customer_site, self.boiler, len(lots))
            self._validate(
                picking.with_context(service_skip_installed_base=SKIP_INSTALLED_BASE),
                lots,
            )
            self.assertEqual(set(lots.mapped("service_state")), {"in_stock"})
            self.env.invalidate_all()
            moves = self.env["stock.move"].browse(picking.move_ids.ids)
            before = self.cr.sql_log_count
            moves._service_register_installed_base()
            self.env.flush_all()
            costs.append(self.cr.sql_log_count - before)
            self.assertEqual(set(lots.mapped("service_state")), {"installed"})
        self.assertEqual(costs[0], costs[1], f"queries for 4 vs 40 serials: {costs}")
        self.assertLess(costs[0], 40)


@tagged("post_install", "-at_install")
class TestInstalledBaseManual(ServiceStockCommon):
    def test_register_third_party_machine_by_hand(self):
        third_party = self.env["product.product"].create(
            {
                "name": "Customer's old boiler",
                "type": "consu",
                "service_warranty_months": 12,
            }
        )
        view = self.env.ref("service_management.stock_lot_view_form")
        with Form(
            self.env["stock.lot"].with_context(default_service_state="installed"),
            view=view,
        ) as form:
            form.name = "OLD-1999-77"
            form.product_id = third_party
            form.service_partner_id = self.customer
            self.assertEqual(form.service_address_id, self.customer)
            form.service_address_id = self.customer_site
            form.service_installed_on = date.today() - timedelta(days=100)
            self.assertEqual(
                form.warranty_end_date,
                date.today() - timedelta(days=100) + relativedelta(months=12),
            )
            form.service_note = "<p>Key at the caretaker's</p>"
        lot = form.record
        self.assertEqual(lot.service_state, "installed")
        self.assertEqual(lot.product_qty, 0)
        self.assertIn("caretaker", lot.service_note)
        self.assertIn(lot, self.customer.service_lot_ids)
        action = self.customer.action_view_service_installed_base()
        self.assertEqual(self.env["stock.lot"].search(action["domain"]), lot)

    def test_future_installation_date_refused(self):
        lot = self._make_lots(self.boiler, ["F-1"])
        with (
            self.assertRaisesRegex(ValidationError, "is in the future"),
            self.cr.savepoint(),
        ):
            lot.write(
                {
                    "service_partner_id": self.customer.id,
                    "service_installed_on": date.today() + timedelta(days=3),
                }
            )

    def test_negative_warranty_months_refused(self):
        with (
            self.assertRaisesRegex(ValidationError, "cannot be negative"),
            self.cr.savepoint(),
        ):
            self.boiler.service_warranty_months = -1

    def test_customer_of_another_company_refused(self):
        foreign = self.env["res.partner"].create(
            {
                "name": "Foreign Ltd",
                "is_company": True,
                "company_id": self.other_company.id,
            }
        )
        lot = self._make_lots(self.boiler, ["F-2"])
        # a serial shared between companies is held in the current company
        self.assertFalse(lot.company_id)
        with (
            self.assertRaisesRegex(ValidationError, "choose a customer of"),
            self.cr.savepoint(),
        ):
            lot.service_partner_id = foreign
        lot.company_id = self.company
        with (
            self.assertRaisesRegex(ValidationError, "belongs to Other Service Co"),
            self.cr.savepoint(),
        ):
            lot.service_partner_id = foreign
        lot.service_partner_id = self.customer
        self.assertEqual(lot.service_partner_id, self.customer)

    def test_warranty_search_and_compute(self):
        lots = self._make_lots(self.boiler, ["W-1", "W-2", "W-3"])
        today = date.today()
        lots[0].warranty_end_date = today + timedelta(days=10)
        lots[1].warranty_end_date = today - timedelta(days=1)
        running = self.env["stock.lot"].search(
            [("id", "in", lots.ids), ("under_warranty", "=", True)]
        )
        self.assertEqual(running, lots[0])
        expired = self.env["stock.lot"].search(
            [("id", "in", lots.ids), ("under_warranty", "=", False)]
        )
        self.assertEqual(expired, lots[1:])
        # seen from a date in 20 days, nothing is under warranty any more
        later = lots.with_context(date=today + timedelta(days=20))
        self.assertEqual(later.mapped("under_warranty"), [False, False, False])

    def test_warranty_reminder_cron(self):
        lots = self._make_lots(self.boiler, ["WR-1", "WR-2", "WR-3"])
        self._deliver(self.customer, lots)
        salesman = self.user_officer
        self.customer.user_id = salesman
        today = date(2026, 6, 1)
        lots[0].warranty_end_date = today + timedelta(days=20)  # within 30 days
        lots[1].warranty_end_date = today + timedelta(days=45)  # too early
        lots[2].warranty_end_date = today - timedelta(days=1)  # already over
        created = self.env["stock.lot"]._cron_service_warranty_reminder(date=today)
        self.assertEqual(created, 1)
        activity = lots[0].activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, salesman)
        self.assertEqual(activity.date_deadline, today + timedelta(days=20))
        self.assertIn("WR-1", activity.summary)
        self.assertFalse(lots[1].activity_ids | lots[2].activity_ids)
        # once per warranty end: a second run schedules nothing more
        self.assertEqual(
            self.env["stock.lot"]._cron_service_warranty_reminder(date=today), 0
        )
        # a company that wants 60 days hears about the second one too
        self.company.service_warranty_reminder_days = 60
        self.assertEqual(
            self.env["stock.lot"]._cron_service_warranty_reminder(date=today), 1
        )
        self.assertEqual(len(lots[1].activity_ids), 1)
        # a new warranty end (e.g. extended) re-arms the reminder
        lots[0].warranty_end_date = today + timedelta(days=25)
        self.assertFalse(lots[0].service_warranty_reminded)
