# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from .test_intervention import InterventionCommon


@tagged("post_install", "-at_install")
class TestExtensionHooks(InterventionCommon):
    """Another module extends the invoicing and the part moves through the
    documents' hooks (each patched here as an override would: calling the
    original, then changing its result), and books service revenue on
    analytic accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Invoicing = cls.env["service.invoicing"]
        # the project plan always exists: its accounts fill ``account_id``
        cls.plan, __ = cls.env["account.analytic.plan"]._get_all_plans()
        cls.analytic_north, cls.analytic_south = cls.env[
            "account.analytic.account"
        ].create(
            [
                {"name": name, "plan_id": cls.plan.id}
                for name in ("Service North", "Service South")
            ]
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @contextmanager
    def _override(self, model, method, extend):
        """Override ``model.method`` as a module would: the override calls
        the original (``super()``) and ``extend(record, result, *args,
        **kwargs)`` returns the changed result. Yields the mock, to see how
        the engine called it."""
        cls = type(self.env[model])
        original = getattr(cls, method)

        def override(record, *args, **kwargs):
            return extend(record, original(record, *args, **kwargs), *args, **kwargs)

        with patch.object(cls, method, autospec=True, side_effect=override) as mock:
            yield mock

    def _fee_contract(self, partner=None, **values):
        """A monthly flat-rate contract from 2026-01-01 billing one hour of
        labour (50.00)."""
        contract = self.env["service.contract"].create(
            {
                "partner_id": (partner or self.customer_b).id,
                "contract_type": "maintenance",
                "date_start": date(2026, 1, 1),
                "recurring_interval_number": 1,
                "recurring_interval_type": "month",
                "line_ids": [Command.create({"product_id": self.product_labour.id})],
                **values,
            }
        )
        contract.action_start()
        return contract

    def _invoice_contract(self, contract):
        return self.Invoicing._invoice_contracts(
            date=date(2026, 1, 1), contracts=contract
        )

    def _done_intervention(self, partner=None, lines=None, **values):
        """A done intervention of ``partner`` (default: Beta Hotel, without
        contract): 2 h repair (100.00), 2 parts (40.00), travel (40.00)."""
        partner = partner or self.customer_b
        intervention = self._intervention(
            partner_id=partner.id,
            object_ids=(
                [Command.create({"lot_id": self.boiler_lot.id})]
                if partner == self.customer
                else []
            ),
            **values,
        )
        if lines is None:
            lines = [
                {
                    "line_type": "activity",
                    "activity_type_id": self.activity_repair.id,
                    "quantity": 2,
                },
                {
                    "line_type": "part",
                    "product_id": self.product_part.id,
                    "quantity": 2,
                },
                {"line_type": "travel"},
            ]
        intervention.line_ids = [
            Command.create({"date": date(2026, 11, 2), **vals}) for vals in lines
        ]
        intervention.action_start()
        intervention.action_done()
        return intervention

    def _invoice_work(self, interventions=None):
        return self.Invoicing._invoice_work(
            date=date(2026, 11, 30), interventions=interventions
        )

    def _analytic_amounts(self, moves):
        """{analytic account: amount} of the analytic lines of ``moves``,
        as Odoo's analytic reporting reads them."""
        groups = self.env["account.analytic.line"]._read_group(
            [("move_line_id.move_id", "in", moves.ids)],
            [self.plan._column_name()],
            ["amount:sum"],
        )
        return dict(groups)

    # ------------------------------------------------------------------
    # Contract invoices
    # ------------------------------------------------------------------
    def test_contract_invoice_values_hook(self):
        contract = self._fee_contract()

        def extend(record, values, period):
            values["ref"] = f"{record.name} {period['start']:%Y-%m}"
            return values

        with self._override(
            "service.contract", "_prepare_invoice_values", extend
        ) as hook:
            move = self._invoice_contract(contract)
        self.assertEqual(hook.call_count, 1)
        self.assertEqual(move.ref, f"{contract.name} 2026-01")
        # the rest is what the add-on builds
        self.assertEqual(move.service_contract_id, contract)
        self.assertEqual(move.amount_untaxed, 50.0)

    def test_contract_invoice_line_values_hook(self):
        contract = self._fee_contract()
        line = contract.line_ids
        period = {
            "start": date(2026, 1, 1),
            "end": date(2026, 1, 31),
            "invoice_date": date(2026, 1, 1),
            "ratio": 1.0,
            "days": None,
            "period_days": None,
        }
        # optional values are added, as with sale order lines
        self.assertEqual(
            line._prepare_invoice_line_values(period, sequence=77)["sequence"], 77
        )

        def extend(record, values, period, **optional_values):
            values["name"] += " [on-call service included]"
            values["quantity"] = 2
            return values

        with self._override(
            "service.contract.line", "_prepare_invoice_line_values", extend
        ):
            move = self._invoice_contract(contract)
        self.assertTrue(
            move.invoice_line_ids.name.endswith("[on-call service included]")
        )
        self.assertEqual(move.amount_untaxed, 100.0)

    def test_contract_period_price_hook(self):
        """The period price is used for the invoice line and for the check
        of a zero fee."""
        doubled = self._fee_contract()
        free = self._fee_contract()

        def extend(record, price, period):
            return 0.0 if record.contract_id == free else price * 2

        with self._override("service.contract.line", "_get_period_price_unit", extend):
            moves = self.Invoicing._invoice_contracts(
                date=date(2026, 1, 1), contracts=doubled | free
            )
        self.assertEqual(moves.service_contract_id, doubled)
        self.assertEqual(moves.invoice_line_ids.price_unit, 100.0)
        self.assertEqual(free.next_invoice_date, date(2026, 2, 1))
        self.assertIn("the fee is zero", free.message_ids[0].body)

    # ------------------------------------------------------------------
    # Work invoices and part moves
    # ------------------------------------------------------------------
    def test_work_invoice_values_hook_gets_the_interventions_of_one_invoice(self):
        first = self._done_intervention()
        second = self._done_intervention()

        def extend(records, values, lines=None):
            values["ref"] = " + ".join(records.mapped("name"))
            return values

        with self._override(
            "service.intervention", "_prepare_invoice_values", extend
        ) as hook:
            moves = self._invoice_work(first | second)
        self.assertEqual(len(moves), 2)
        self.assertEqual(
            {move.service_intervention_ids.name: move.ref for move in moves},
            {first.name: first.name, second.name: second.name},
        )
        moves.button_cancel()
        # grouped per customer: called once, on both interventions
        self.env.company.service_work_invoice_grouping = "customer"
        with self._override(
            "service.intervention", "_prepare_invoice_values", extend
        ) as hook:
            move = self._invoice_work(first | second)
        self.assertEqual(hook.call_count, 1)
        called_on, lines = hook.call_args.args
        self.assertEqual(called_on, first | second)
        self.assertEqual(lines, (first | second).line_ids)
        self.assertEqual(set(move.ref.split(" + ")), {first.name, second.name})
        self.assertEqual(move.amount_untaxed, 360.0)

    def test_work_invoice_line_values_hook(self):
        intervention = self._done_intervention()
        travel = intervention.line_ids.filtered(lambda line: line.line_type == "travel")

        def extend(record, values, fiscal_position=None, **optional_values):
            if record.line_type == "travel":
                values["name"] = "Travel to your site"
            return values

        with self._override(
            "service.intervention.line", "_prepare_invoice_line_values", extend
        ) as hook:
            move = self._invoice_work(intervention)
        self.assertEqual(hook.call_count, 3)
        self.assertEqual(travel.invoice_line_ids.name, "Travel to your site")
        self.assertEqual(travel.invoice_line_ids.move_id, move)
        self.assertEqual(move.amount_untaxed, 180.0)
        # optional values are added, as with sale order lines
        self.assertEqual(
            travel._prepare_invoice_line_values(sequence=77)["sequence"], 77
        )

    def test_work_lines_grouped_by_the_keys_returned(self):
        first = self._done_intervention()
        second = self._done_intervention()
        # the company invoices per intervention; a module groups per customer
        self.assertEqual(
            first.line_ids[0]._get_work_invoice_grouping_keys(), ["intervention_id"]
        )

        def per_customer(record, keys):
            return ["intervention_id.partner_invoice_id", "company_id"]

        with self._override(
            "service.intervention.line", "_get_work_invoice_grouping_keys", per_customer
        ):
            move = self._invoice_work(first | second)
        self.assertEqual(len(move), 1)
        self.assertEqual(move.service_intervention_ids, first | second)
        self.assertEqual(len(move.invoice_line_ids), 6)
        move.button_cancel()

        # or splits them: one invoice per intervention and kind of work
        def per_kind(record, keys):
            return [*keys, "line_type"]

        with self._override(
            "service.intervention.line", "_get_work_invoice_grouping_keys", per_kind
        ):
            moves = self._invoice_work(first | second)
        self.assertEqual(len(moves), 6)
        for move in moves:
            self.assertEqual(len(move.invoice_line_ids), 1)
        self.assertEqual(sum(moves.mapped("amount_untaxed")), 360.0)

    def test_part_move_values_hook(self):
        def extend(record, values):
            values["origin"] = f"{values['origin']} / {record.name}"
            values["description_picking_manual"] = "Fragile: keep upright"
            return values

        with self._override(
            "service.intervention.line", "_prepare_part_move_values", extend
        ) as hook:
            intervention = self._done_intervention()
        part = intervention.line_ids.filtered(lambda line: line.line_type == "part")
        self.assertEqual(hook.call_count, 1)
        move = part.stock_move_id
        self.assertEqual(move.origin, f"{intervention.name} / {part.name}")
        self.assertEqual(move.description_picking, "Fragile: keep upright")
        # the rest is what the add-on builds
        self.assertEqual(move.state, "done")
        self.assertEqual(move.location_id, self.stock_location)
        self.assertEqual(move.location_dest_id.usage, "customer")
        self.assertEqual(move.service_intervention_id, intervention)

    # ------------------------------------------------------------------
    # Analytic accounting
    # ------------------------------------------------------------------
    def test_contract_distribution_reaches_invoice_and_analytic_report(self):
        north = {str(self.analytic_north.id): 100.0}
        contract = self._fee_contract(analytic_distribution=north)
        self.assertEqual(contract.line_ids.analytic_distribution, north)
        move = self._invoice_contract(contract)
        self.assertEqual(move.invoice_line_ids.analytic_distribution, north)
        move.action_post()
        self.assertEqual(self._analytic_amounts(move), {self.analytic_north: 50.0})

    def test_running_contract_changes_its_distribution_without_reason(self):
        contract = self._fee_contract()
        south = {str(self.analytic_south.id): 100.0}
        contract.write(
            {
                "analytic_distribution": south,
                "line_ids": [
                    Command.update(
                        contract.line_ids.id, {"analytic_distribution": south}
                    )
                ],
            }
        )
        self.assertEqual(contract.line_ids.analytic_distribution, south)
        # fees still need a reason
        with self.assertRaisesRegex(Exception, "enter a reason"):
            contract.write(
                {"line_ids": [Command.update(contract.line_ids.id, {"quantity": 2})]}
            )

    def test_work_lines_take_the_contracts_distribution(self):
        north = {str(self.analytic_north.id): 100.0}
        self.contract.analytic_distribution = north
        intervention = self._done_intervention(partner=self.customer)
        for line in intervention.line_ids:
            self.assertEqual(line.analytic_distribution, north)
        move = self._invoice_work(intervention)
        self.assertEqual(
            move.invoice_line_ids.mapped("analytic_distribution"),
            [north] * len(move.invoice_line_ids),
        )
        move.action_post()
        self.assertEqual(
            self._analytic_amounts(move), {self.analytic_north: move.amount_untaxed}
        )
        # done work is history: a later change of the contract leaves it
        self.contract.analytic_distribution = {str(self.analytic_south.id): 100.0}
        self.assertEqual(intervention.line_ids[0].analytic_distribution, north)

    def test_distribution_model_applies_to_work_lines(self):
        south = {str(self.analytic_south.id): 100.0}
        self.env["account.analytic.distribution.model"].create(
            {
                "partner_id": self.customer_b.id,
                "product_id": self.travel_product.id,
                "analytic_distribution": south,
            }
        )
        intervention = self._done_intervention()
        travel = intervention.line_ids.filtered(lambda line: line.line_type == "travel")
        self.assertEqual(travel.analytic_distribution, south)
        for line in intervention.line_ids - travel:
            self.assertFalse(line.analytic_distribution)
        move = self._invoice_work(intervention)
        self.assertEqual(travel.invoice_line_ids.analytic_distribution, south)
        move.action_post()
        self.assertEqual(self._analytic_amounts(move), {self.analytic_south: 40.0})

    def test_hand_set_distribution_of_a_work_line_reaches_the_invoice(self):
        north = {str(self.analytic_north.id): 60.0, str(self.analytic_south.id): 40.0}
        intervention = self._done_intervention(
            lines=[{"line_type": "travel", "analytic_distribution": north}]
        )
        move = self._invoice_work(intervention)
        self.assertEqual(move.invoice_line_ids.analytic_distribution, north)
        move.action_post()
        self.assertEqual(
            self._analytic_amounts(move),
            {self.analytic_north: 24.0, self.analytic_south: 16.0},
        )

    # ------------------------------------------------------------------
    # The reader's language
    # ------------------------------------------------------------------
    def test_invoice_lines_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        self.boiler.with_context(lang="fr_FR").name = "Chaudière 24 kW"
        intervention = self._done_intervention(partner=self.customer)
        contract = self._fee_contract(partner=self.customer)
        part = intervention.line_ids.filtered(lambda line: line.line_type == "part")
        self._invoice_work(intervention)
        self.assertIn("Chaudière 24 kW (BX-INT-1)", part.invoice_line_ids.name)
        self.assertIn("02/11/2026", part.invoice_line_ids.name)
        move = self._invoice_contract(contract)
        self.assertIn("01/01/2026–31/01/2026", move.invoice_line_ids.name)
