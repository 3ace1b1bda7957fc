# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo 19 idioms other teams expect: codes found by name search, reminders
as scheduled activities, whole sentences for translators, texts stored in the
user's language, an index for the invoicing query."""

import re
from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .test_intervention import InterventionCommon


@tagged("post_install", "-at_install")
class TestOdooApis(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"]._load_module_terms(
            ["service_management"], ["it_IT"]
        )
        cls.env_it = cls.env(context=dict(cls.env.context, lang="it_IT"))

    def test_codes_find_activity_types_and_protocols(self):
        ActivityType = self.env["service.activity.type"]
        self.assertIn(
            (self.activity_repair.id, "[T-REP] Repair"),
            ActivityType.name_search("T-REP"),
        )
        self.assertEqual(
            ActivityType.search([("display_name", "ilike", "t-insp")]),
            self.activity_inspection,
        )
        protocol = self.env["service.protocol"].create(
            {"name": "Yearly revision", "code": "REV-Y"}
        )
        self.assertEqual(protocol.display_name, "[REV-Y] Yearly revision")
        found = self.env["service.protocol"].name_search("REV-Y")
        self.assertEqual(found, [(protocol.id, "[REV-Y] Yearly revision")])
        uncoded = self.env["service.protocol"].create({"name": "Ad hoc"})
        self.assertEqual(uncoded.display_name, "Ad hoc")

    def test_refused_state_changes_are_whole_sentences(self):
        intervention = self.env["service.intervention"].create(
            {"partner_id": self.customer.id}
        )
        intervention.action_cancel()
        message = (
            f"Intervention {intervention.name} is Cancelled: it cannot be started."
        )
        with self.assertRaisesRegex(UserError, f"^{re.escape(message)}$"):
            intervention.action_start()
        contract = self.env["service.contract"].create(
            {"partner_id": self.customer.id, "contract_type": "warranty"}
        )
        message = f"Contract {contract.name} is Draft: it cannot be closed."
        with self.assertRaisesRegex(UserError, f"^{re.escape(message)}$"):
            contract.action_close()

    def test_line_without_product_named_in_the_users_language(self):
        self.company.service_mileage_product_id = False
        intervention = self.env_it["service.intervention"].create(
            {
                "partner_id": self.customer.id,
                "line_ids": [Command.create({"line_type": "mileage"})],
            }
        )
        self.assertEqual(intervention.line_ids.name, "Chilometraggio")

    def test_warranty_reminder_is_a_scheduled_activity_in_the_users_language(self):
        lot = self.env["stock.lot"].create(
            {
                "name": "REM-1",
                "product_id": self.boiler.id,
                "service_partner_id": self.customer.id,
                "service_state": "installed",
                "warranty_end_date": date(2026, 6, 21),
            }
        )
        self.user_officer.lang = "it_IT"
        self.customer.user_id = self.user_officer
        Lot = self.env["stock.lot"]
        self.assertEqual(Lot._cron_service_warranty_reminder(date=date(2026, 6, 1)), 1)
        activity = lot.activity_ids
        self.assertTrue(activity.automated)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertEqual(activity.user_id, self.user_officer)
        self.assertEqual(activity.summary, "La garanzia di REM-1 scade il 21/06/2026")
        self.assertIn("Acme Condominium", activity.note)
        self.assertTrue(lot.service_warranty_reminded)
        # switched off (e.g. during an import): nothing, and a later run tells
        lot.warranty_end_date = date(2026, 6, 25)
        skip = Lot.with_context(mail_activity_automation_skip=True)
        self.assertEqual(skip._cron_service_warranty_reminder(date=date(2026, 6, 1)), 0)
        self.assertFalse(lot.service_warranty_reminded)
        self.assertEqual(
            Lot._cron_service_warranty_reminder(date=date(2026, 6, 1) + timedelta(1)), 1
        )

    def test_due_contracts_have_an_index(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'service_contract'"
        )
        definitions = [row[0] for row in self.env.cr.fetchall()]
        self.assertTrue(
            any(
                "(state, billing_method, next_invoice_date)" in definition
                for definition in definitions
            ),
            definitions,
        )

    def test_posting_error_links_the_invoice_and_escapes_the_error(self):
        contract = self.env["service.contract"].create(
            {
                "partner_id": self.customer.id,
                "contract_type": "maintenance",
                "date_start": date(2026, 1, 1),
                "line_ids": [Command.create({"product_id": self.product_labour.id})],
            }
        )
        contract.action_start()
        Invoicing = self.env["service.invoicing"]
        move = Invoicing._invoice_contracts(
            date=date(2026, 1, 1), contracts=contract, post=False
        )
        Invoicing._report_post_errors({move: "<b>refused</b> by the tax office"})
        body = contract.message_ids[0].body
        self.assertIn(f'data-oe-id="{move.id}"', body)
        self.assertIn("&lt;b&gt;refused&lt;/b&gt; by the tax office", body)
