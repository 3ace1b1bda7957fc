# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestItalian(TransactionCase):
    """Users working in Italian read the add-on, and its errors, in Italian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"]._load_module_terms(
            ["service_management"], ["it_IT"]
        )

    def test_menus_and_errors_in_italian(self):
        env_it = self.env(context=dict(self.env.context, lang="it_IT"))
        action = env_it.ref("service_management.service_activity_type_action")
        self.assertEqual(action.name, "Tipi di attività")
        protocol = env_it["service.protocol"].create({"name": "Revisione"})
        with self.assertRaisesRegex(ValidationError, "è periodico"):
            protocol.write({"trigger": "periodic", "interval_number": 0})
