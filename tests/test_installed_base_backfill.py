# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.service_management.models.stock_move import SKIP_INSTALLED_BASE

from .common import ServiceStockCommon


@tagged("post_install", "-at_install")
class TestInstalledBaseBackfill(ServiceStockCommon):
    """Deliveries made before the add-on existed are replayed by the wizard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_a, cls.lot_b, cls.lot_c = cls._make_lots(
            cls.boiler, ["OLD-A", "OLD-B", "OLD-C"]
        )
        # history: A and B go to customer (2024), A comes back (2025) and is
        # sold to customer B (2025); C is delivered to customer B (2023)
        cls.d1 = cls._past(
            cls.customer_site, cls.lot_a | cls.lot_b, datetime(2024, 3, 1, 9)
        )
        cls.r1 = cls._past_return(cls.d1, cls.lot_a, datetime(2025, 1, 15, 9))
        cls.d2 = cls._past(cls.customer_b, cls.lot_a, datetime(2025, 6, 1, 9))
        cls.d0 = cls._past(cls.customer_b, cls.lot_c, datetime(2023, 5, 5, 9))

    @classmethod
    def _dated(cls, picking, when):
        picking.move_line_ids.write({"date": when})
        picking.move_ids.write({"date": when})
        picking.date_done = when
        return picking

    @classmethod
    def _past(cls, partner, lots, when):
        picking = cls._picking(partner, cls.boiler, len(lots))
        cls._validate(
            picking.with_context(service_skip_installed_base=SKIP_INSTALLED_BASE), lots
        )
        return cls._dated(picking, when)

    @classmethod
    def _past_return(cls, picking, lots, when):
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        returned = cls.env["stock.picking"].browse(
            wizard.action_create_returns_all()["res_id"]
        )
        cls._validate(
            returned.with_context(service_skip_installed_base=SKIP_INSTALLED_BASE), lots
        )
        return cls._dated(returned, when)

    def _run(self, **values):
        wizard = self.env["service.installed.base.backfill"].create(values)
        wizard.action_register()
        return wizard

    def test_nothing_registered_before_backfill(self):
        lots = self.lot_a | self.lot_b | self.lot_c
        self.assertEqual(set(lots.mapped("service_state")), {"in_stock"})

    def test_backfill_replays_history_in_date_order(self):
        wizard = self._run()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.move_line_count, 5)
        self.assertEqual(wizard.registered_count, 3)
        # A: delivered, returned, delivered to customer B -> latest owner wins
        self.assertEqual(self.lot_a.service_partner_id, self.customer_b)
        self.assertEqual(self.lot_a.service_state, "installed")
        self.assertEqual(self.lot_a.service_installed_on, date(2025, 6, 1))
        self.assertEqual(self.lot_a.warranty_end_date, date(2027, 6, 1))
        body = self.lot_a.message_ids[0].body
        self.assertIn("Installed at Acme Condominium", body)
        self.assertIn("Returned by Acme Condominium", body)
        self.assertIn("Re-assigned from Acme Condominium to Beta Hotel", body)
        self.assertLess(body.index("Installed at"), body.index("Returned by"))
        # B: still at the first customer's site
        self.assertEqual(self.lot_b.service_partner_id, self.customer)
        self.assertEqual(self.lot_b.service_address_id, self.customer_site)
        self.assertEqual(self.lot_b.service_installed_on, date(2024, 3, 1))
        # C: warranty already over
        self.assertEqual(self.lot_c.warranty_end_date, date(2025, 5, 5))
        self.assertFalse(self.lot_c.under_warranty)

    def test_backfill_is_idempotent(self):
        self._run()
        messages = (self.lot_a | self.lot_b | self.lot_c).message_ids
        snapshot = [
            (lot.service_partner_id, lot.service_state, lot.service_installed_on)
            for lot in (self.lot_a, self.lot_b, self.lot_c)
        ]
        again = self._run(batch_size=1)
        self.assertEqual(again.registered_count + again.updated_count, 0)
        self.assertEqual(again.returned_count, 0)
        self.assertEqual(again.unchanged_count, 5)
        self.assertEqual(
            snapshot,
            [
                (lot.service_partner_id, lot.service_state, lot.service_installed_on)
                for lot in (self.lot_a, self.lot_b, self.lot_c)
            ],
        )
        self.assertEqual((self.lot_a | self.lot_b | self.lot_c).message_ids, messages)
        self.assertEqual(
            self.env["stock.lot"].search_count([("name", "like", "OLD-")]), 3
        )

    def test_small_batches_give_the_same_result(self):
        self._run(batch_size=1)
        self.assertEqual(self.lot_a.service_partner_id, self.customer_b)
        self.assertEqual(self.lot_a.service_state, "installed")
        self.assertEqual(self.lot_b.service_partner_id, self.customer)

    def test_backfill_never_overwrites_newer_registration(self):
        # A was registered live with a newer delivery than all the history
        self.lot_a.write(
            {
                "service_partner_id": self.customer.id,
                "service_state": "installed",
                "service_installed_on": date(2026, 1, 1),
                "service_last_event_date": datetime(2026, 1, 1, 8),
            }
        )
        self._run()
        self.assertEqual(self.lot_a.service_partner_id, self.customer)
        self.assertEqual(self.lot_a.service_installed_on, date(2026, 1, 1))

    def test_backfill_until_a_date_stops_there(self):
        wizard = self._run(date_to=date(2025, 2, 1))
        self.assertEqual(wizard.move_line_count, 4)
        self.assertEqual(self.lot_a.service_state, "returned")
        self.assertEqual(self.lot_a.service_partner_id, self.customer)
        # the rest of the history follows on a later run
        self._run(date_from=date(2025, 2, 1))
        self.assertEqual(self.lot_a.service_partner_id, self.customer_b)

    def test_backfill_filters_on_customer_and_product(self):
        wizard = self._run(partner_ids=[(6, 0, self.customer_b.ids)])
        self.assertEqual(wizard.move_line_count, 2)
        self.assertEqual(self.lot_c.service_partner_id, self.customer_b)
        self.assertEqual(self.lot_b.service_state, "in_stock")
        other = self._run(product_ids=[(6, 0, self.valve_lot_product.ids)])
        self.assertEqual(other.move_line_count, 0)

    def test_backfill_wizard_as_officer(self):
        wizard = Form(
            self.env["service.installed.base.backfill"].with_user(self.user_officer)
        ).save()
        wizard.action_register()
        self.assertEqual(wizard.registered_count, 3)

    def test_bad_dates_refused(self):
        with self.assertRaisesRegex(UserError, "start date must be on or before"):
            self.env["service.installed.base.backfill"].create(
                {"date_from": date(2025, 1, 2), "date_to": date(2025, 1, 1)}
            )
