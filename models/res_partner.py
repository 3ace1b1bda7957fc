# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .selections import CONTRACT_READERS, LOT_READERS, WORK_READERS
from .service_document_mixin import open_action
from .service_write_policy_mixin import SYSTEM


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "service.profitability.mixin",
        "service.write.policy.mixin",
    ]
    # whoever edits the customer sets its distance; the rest is computed
    _write_policy = {"service_distance_km": "base.group_user"}
    _write_policy_default = SYSTEM
    _numeric_bounds = {"service_distance_km": (0, 100000)}
    _service_profitability_field = "partner_id"

    service_distance_km = fields.Float(
        string="Distance (km)",
        help="Round-trip distance from the company, proposed on mileage lines.",
    )
    # only users who may read serials, contracts and interventions get these:
    # every other user keeps opening customers as in standard Odoo
    service_lot_ids = fields.One2many(
        "stock.lot",
        "service_partner_id",
        string="Installed Products",
        groups=LOT_READERS,
    )
    service_lot_count = fields.Integer(
        compute="_compute_service_lot_count",
        string="Installed Products Count",
        groups=LOT_READERS,
    )
    service_contract_count = fields.Integer(
        compute="_compute_service_contract_count",
        string="Service Contracts Count",
        groups=CONTRACT_READERS,
    )
    service_intervention_count = fields.Integer(
        compute="_compute_service_intervention_count",
        string="Interventions Count",
        groups=WORK_READERS,
    )

    _service_distance_km_positive = models.Constraint(
        "CHECK(service_distance_km >= 0)",
        "The distance of a customer cannot be negative.",
    )

    def _service_counts(self, model, customer_path):
        """{partner: number of ``model`` records held by its customer}, one
        query for all partners of ``self``.

        Records belong to the customer (commercial partner) found at
        ``customer_path``: its contacts and addresses show the same count.
        """
        customers = self.commercial_partner_id
        counts = dict(
            self.env[model]._read_group(
                [(customer_path, "in", customers.ids)], [customer_path], ["__count"]
            )
        )
        return {
            partner: counts.get(partner.commercial_partner_id, 0) for partner in self
        }

    def _compute_service_lot_count(self):
        # a serial's customer is a commercial partner already
        counts = self._service_counts("stock.lot", "service_partner_id")
        for partner in self:
            partner.service_lot_count = counts[partner]

    def _compute_service_contract_count(self):
        counts = self._service_counts(
            "service.contract", "partner_id.commercial_partner_id"
        )
        for partner in self:
            partner.service_contract_count = counts[partner]

    def _compute_service_intervention_count(self):
        counts = self._service_counts(
            "service.intervention", "partner_id.commercial_partner_id"
        )
        for partner in self:
            partner.service_intervention_count = counts[partner]

    def _service_profitability_key(self):
        # the report names customers: contacts show their company's figures
        return self._origin.commercial_partner_id

    def action_view_service_interventions(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return open_action(
            self.env,
            "service_management.action_service_intervention",
            [("partner_id", "child_of", customer.id)],
            {"default_partner_id": self.id},
        )

    def action_view_service_contracts(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return open_action(
            self.env,
            "service_management.action_service_contract",
            [("partner_id", "child_of", customer.id)],
            {"default_partner_id": customer.id},
        )

    def action_view_service_installed_base(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return open_action(
            self.env,
            "service_management.action_service_installed_base",
            [("service_partner_id", "=", customer.id)],
            {
                "default_service_partner_id": customer.id,
                "default_service_address_id": self.id,
            },
        )
