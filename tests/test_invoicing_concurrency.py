# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestInvoicingConcurrency(BaseCase):
    """Two workers invoice the same contracts at the same time, each with its
    own database connection and transaction: no period is invoiced twice.

    Not a TransactionCase: the data must be committed for the second
    connection to see it, so the test commits and cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": "Concurrency Customer", "is_company": True}
            )
            product = env["product.product"].create(
                {"name": "Concurrency fee", "type": "service", "list_price": 10.0}
            )
            contracts = env["service.contract"].create(
                [
                    {
                        "partner_id": partner.id,
                        "contract_type": "maintenance",
                        "date_start": date(2026, 1, 1),
                        "recurring_interval_number": 1,
                        "line_ids": [Command.create({"product_id": product.id})],
                    }
                    for __ in range(8)
                ]
            )
            contracts.action_start()
            cr.commit()  # pylint: disable=invalid-commit
            self.partner_id, self.product_id = partner.id, product.id
            self.contract_ids = contracts.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.move"].search(
                [("service_contract_id", "in", self.contract_ids)]
            ).unlink()
            env["service.contract"].browse(self.contract_ids).unlink()
            env["product.product"].browse(self.product_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _worker(self, barrier, results, errors):
        try:
            with self.registry.cursor() as cr:
                # the test runner holds the registry lock while it runs post
                # install tests: give the cursor its transaction directly
                cr.transaction = Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                contracts = env["service.contract"].browse(self.contract_ids)
                barrier.wait(timeout=30)
                moves = env["service.invoicing"]._invoice_contracts(
                    date=date(2026, 3, 1), contracts=contracts, batch_size=3
                )
                results.append(moves.ids)
                cr.commit()  # pylint: disable=invalid-commit
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    def test_two_workers_never_invoice_a_period_twice(self):
        barrier = threading.Barrier(2)
        results, errors = [], []
        threads = [
            threading.Thread(target=self._worker, args=(barrier, results, errors))
            for __ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        self.assertEqual(len(results), 2)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            data = env["account.move"]._read_group(
                [("service_contract_id", "in", self.contract_ids)],
                ["service_contract_id", "service_period_start:day"],
                ["__count"],
            )
            # 8 contracts x 3 months (January to March), each exactly once
            self.assertEqual(len(data), 24)
            self.assertEqual({count for __, __, count in data}, {1})
            created = results[0] + results[1]
            self.assertEqual(len(created), 24)
            self.assertEqual(len(set(created)), 24)
            contracts = env["service.contract"].browse(self.contract_ids)
            self.assertEqual(
                set(contracts.mapped("next_invoice_date")), {date(2026, 4, 1)}
            )

    def test_a_worker_late_on_a_finished_one_skips_its_contracts(self):
        """A worker whose transaction began before another one invoiced and
        committed the same contracts skips them (PostgreSQL refuses to lock
        rows changed since: before, the run failed with a serialisation
        error)."""
        with self.registry.cursor() as late_cr, self.registry.cursor() as cr:
            late_cr.transaction = Transaction(self.registry)
            cr.transaction = Transaction(self.registry)
            late_env = api.Environment(late_cr, SUPERUSER_ID, {})
            env = api.Environment(cr, SUPERUSER_ID, {})
            # the late worker's snapshot is taken now
            late_contracts = late_env["service.contract"].browse(self.contract_ids)
            late_contracts.mapped("next_invoice_date")
            first = env["service.invoicing"]._invoice_contracts(
                date=date(2026, 3, 1),
                contracts=env["service.contract"].browse(self.contract_ids),
            )
            cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(len(first), 24)
            late = late_env["service.invoicing"]._invoice_contracts(
                date=date(2026, 3, 1), contracts=late_contracts
            )
            self.assertFalse(late)
            late_cr.rollback()
