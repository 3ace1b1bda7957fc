# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from datetime import date, datetime

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestAllowanceConcurrency(BaseCase):
    """Two jobs of one contract with 10 prepaid hours, 6 h each, finished at
    the same moment by two workers with their own connections: together they
    consume 10 h, and the 2 h beyond are billed (before the row lock, both
    consumed 6 h: 12 h covered, 2 h of labour never billed).

    Not a TransactionCase: the second connection must see committed data;
    the test commits and cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": "Prepaid Concurrency", "is_company": True}
            )
            labour = env["product.product"].create(
                {"name": "Concurrency labour", "type": "service", "list_price": 50.0}
            )
            activity = env["service.activity.type"].create(
                {"name": "Concurrency repair", "product_id": labour.id}
            )
            contract = env["service.contract"].create(
                {
                    "partner_id": partner.id,
                    "contract_type": "assistance",
                    "date_start": date(2026, 1, 1),
                    "allowance_hours": 10,
                }
            )
            contract.action_start()
            jobs = env["service.intervention"].create(
                [
                    {
                        "partner_id": partner.id,
                        "contract_id": contract.id,
                        "scheduled_start": datetime(2026, 3, 2, 9),
                    }
                    for __ in range(2)
                ]
            )
            jobs.action_start()
            env["service.intervention.line"].create(
                [
                    {
                        "intervention_id": job.id,
                        "line_type": "activity",
                        "activity_type_id": activity.id,
                        "quantity": 6.0,
                        "date": date(2026, 3, 2),
                    }
                    for job in jobs
                ]
            )
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "partner": partner.id,
                "labour": labour.id,
                "activity": activity.id,
                "contract": contract.id,
                "jobs": jobs.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["service.intervention"].browse(self.ids["jobs"])
            cr.execute(
                "DELETE FROM service_intervention_line WHERE intervention_id IN %s",
                [tuple(jobs.ids)],
            )
            cr.execute(
                "DELETE FROM service_intervention WHERE id IN %s", [tuple(jobs.ids)]
            )
            cr.execute(
                "DELETE FROM service_contract WHERE id = %s", [self.ids["contract"]]
            )
            env.invalidate_all()
            env["service.activity.type"].browse(self.ids["activity"]).unlink()
            env["product.product"].browse(self.ids["labour"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _worker(self, job_id, barrier, errors, retries):
        """Finish the job as a request would: retried on a new transaction
        after a serialisation failure (as ``odoo.service.model.retrying``,
        whose registry signalling the test runner's lock would block)."""
        try:
            for attempt in range(5):
                with self.registry.cursor() as cr:
                    cr.transaction = Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    job = env["service.intervention"].browse(job_id)
                    if not attempt:
                        barrier.wait(timeout=30)
                    try:
                        job.action_done()
                        cr.commit()  # pylint: disable=invalid-commit
                        return
                    except SerializationFailure:
                        retries.append(job_id)
                        cr.rollback()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    def test_two_jobs_finished_at_once_never_share_an_hour(self):
        barrier = threading.Barrier(2)
        errors, retries = [], []
        threads = [
            threading.Thread(
                target=self._worker, args=(job_id, barrier, errors, retries)
            )
            for job_id in self.ids["jobs"]
        ]
        # the losing transaction's failed row update is logged as a bad query
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertEqual(errors, [])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["service.intervention"].browse(self.ids["jobs"])
            self.assertEqual(set(jobs.mapped("state")), {"done"})
            labour = jobs.line_ids.filtered(lambda line: line.line_type == "activity")
            self.assertEqual(sum(labour.mapped("allowance_hours")), 10.0)
            billed = labour.filtered(lambda line: line.price_subtotal > 0)
            self.assertEqual(sum(billed.mapped("quantity")), 2.0)
            self.assertEqual(sum(billed.mapped("price_subtotal")), 100.0)
