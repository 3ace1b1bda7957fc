# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
import time
from datetime import date

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestPracticeConcurrency(BaseCase):
    """The preventive planning run twice at once, and one practice launch
    submitted twice at once, each with its own database connection: every
    event is created once, the losing run skips it without a database error.

    Not a TransactionCase: the data must be committed for the second
    connection to see it, so the test commits and cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": "Concurrent Practices", "is_company": True}
            )
            protocol = env["service.protocol"].create(
                {
                    "name": "Monthly check (concurrency)",
                    "trigger": "periodic",
                    "interval_number": 1,
                    "interval_type": "month",
                }
            )
            manual = env["service.protocol"].create(
                {"name": "Safety rule (concurrency)", "trigger": "manual"}
            )
            contracts = env["service.contract"].create(
                [
                    {
                        "partner_id": partner.id,
                        "contract_type": "maintenance",
                        "billing_method": "none",
                        "date_start": date(2026, 1, 1),
                        "protocol_ids": [Command.set(protocol.ids)],
                    }
                    for __ in range(4)
                ]
            )
            contracts.action_start()
            newcomer = env["res.partner"].create(
                {"name": "Concurrent Newcomer", "is_company": True}
            )
            onboarding = env["service.protocol"].create(
                {"name": "Onboarding (concurrency)", "trigger": "new_customer"}
            )
            drafts = env["service.contract"].create(
                [
                    {
                        "partner_id": newcomer.id,
                        "contract_type": "assistance",
                        "billing_method": "none",
                        "date_start": date(2026, 1, 1),
                        "protocol_ids": [Command.set(onboarding.ids)],
                    }
                    for __ in range(2)
                ]
            )
            # the same launch, twice: one wizard, and another officer's
            wizard, other = env["service.protocol.launch"].create(
                [
                    {
                        "protocol_id": manual.id,
                        "target": "partners",
                        "partner_ids": [Command.set(partner.ids)],
                    }
                ]
                * 2
            )
            cr.commit()  # pylint: disable=invalid-commit
            self.partner_id = partner.id
            self.newcomer_id = newcomer.id
            self.protocol_ids = (protocol | manual | onboarding).ids
            self.contract_ids = contracts.ids
            self.draft_ids = drafts.ids
            self.wizard_id = wizard.id
            self.other_wizard_id = other.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["service.intervention"].search(
                [("partner_id", "in", (self.partner_id, self.newcomer_id))]
            )
            batches = jobs.launch_id
            jobs.unlink()
            batches.unlink()
            env["service.protocol.launch"].browse(
                (self.wizard_id, self.other_wizard_id)
            ).unlink()
            env["service.contract"].browse(self.contract_ids + self.draft_ids).unlink()
            env["service.protocol"].browse(self.protocol_ids).unlink()
            env["res.partner"].browse((self.partner_id, self.newcomer_id)).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _run_twice(self, work):
        """Run ``work(env, index)`` in two threads at once (index 0 and 1);
        return the results and the errors."""
        barrier = threading.Barrier(2)
        results, errors = [], []

        def worker(index):
            try:
                with self.registry.cursor() as cr:
                    # the test runner holds the registry lock while it runs
                    # post install tests: give the cursor its transaction
                    cr.transaction = Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=30)
                    # as the server runs a request: retried when it conflicts
                    # with a concurrent one (without the registry, which the
                    # test runner holds)
                    for attempt in range(5):
                        try:
                            result = work(env, index)
                            cr.commit()  # pylint: disable=invalid-commit
                            break
                        except SerializationFailure:
                            cr.rollback()
                            # not reset(): it reloads the registry
                            env.transaction.clear()
                            time.sleep(0.1 * (attempt + 1))
                    else:
                        raise AssertionError("still conflicting after 5 tries")
                    results.append(result)
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results, errors

    def test_preventive_planning_twice_at_once(self):
        def plan(env, index):
            contracts = env["service.contract"].browse(self.contract_ids)
            return (
                env["service.planning"]
                ._generate_preventive(date=date(2026, 3, 20), contracts=contracts)
                .ids
            )

        results, errors = self._run_twice(plan)
        self.assertFalse(errors)
        self.assertEqual(len(results), 2)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            groups = env["service.intervention"]._read_group(
                [("contract_id", "in", self.contract_ids)],
                ["contract_id", "protocol_id", "preventive_due_date:day"],
                ["__count"],
            )
            self.assertTrue(groups, "the planning created the visits")
            self.assertEqual({count for *__, count in groups}, {1})
            created = results[0] + results[1]
            self.assertEqual(len(created), len(groups))

    def test_same_launch_submitted_twice_at_once(self):
        def launch(env, index):
            wizard = env["service.protocol.launch"].browse(self.wizard_id)
            return wizard.action_launch()["res_id"]

        results, errors = self._run_twice(launch)
        self.assertFalse(errors)
        self.assertEqual(len(results), 2)
        self.assertEqual(len(set(results)), 1, "both requests show one launch")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["service.intervention"].search(
                [("partner_id", "=", self.partner_id), ("launch_id", "!=", False)]
            )
            self.assertEqual(len(jobs), 1)

    def test_two_launches_of_the_same_protocol_at_once(self):
        # two officers, each with their own wizard, the same customers
        wizard_ids = (self.wizard_id, self.other_wizard_id)

        def launch(env, index):
            wizard = env["service.protocol.launch"].browse(wizard_ids[index])
            return wizard.action_launch()["res_id"]

        results, errors = self._run_twice(launch)
        self.assertEqual(len(results), 1, "one launch creates the job")
        self.assertEqual(len(errors), 1, "the other says it was already launched")
        self.assertIsInstance(errors[0], UserError)
        self.assertIn("already launched today", str(errors[0]))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["service.intervention"].search(
                [("partner_id", "=", self.partner_id), ("launch_id", "!=", False)]
            )
            self.assertEqual(len(jobs), 1)
            self.assertEqual(jobs.launch_id.id, results[0])

    def test_two_first_contracts_started_at_once(self):
        def start(env, index):
            env["service.contract"].browse(self.draft_ids[index]).action_start()
            return index

        results, errors = self._run_twice(start)
        self.assertFalse(errors)
        self.assertEqual(sorted(results), [0, 1])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            contracts = env["service.contract"].browse(self.draft_ids)
            self.assertEqual(set(contracts.mapped("state")), {"running"})
            practices = env["service.intervention"].search(
                [("partner_id", "=", self.newcomer_id)]
            )
            self.assertEqual(len(practices), 1, "one onboarding practice")
