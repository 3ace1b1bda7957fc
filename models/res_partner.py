# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import fields, models

from .selections import CONTRACT_READERS, LOT_READERS, WORK_READERS


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    def _compute_service_lot_count(self):
        # serials are held by the customer (commercial partner): its contacts
        # and delivery addresses show the same installed base
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["stock.lot"]._read_group(
                [("service_partner_id", "in", commercial.ids)],
                ["service_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.service_lot_count = counts.get(partner.commercial_partner_id, 0)

    def _compute_service_contract_count(self):
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["service.contract"]._read_group(
                [("partner_id", "child_of", commercial.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.service_contract_count = sum(
                count
                for holder, count in counts.items()
                if holder.commercial_partner_id == partner.commercial_partner_id
            )

    def _compute_service_intervention_count(self):
        commercial = self.commercial_partner_id
        counts = defaultdict(int)
        for partner, count in self.env["service.intervention"]._read_group(
            [("partner_id", "child_of", commercial.ids)], ["partner_id"], ["__count"]
        ):
            counts[partner.commercial_partner_id] += count
        for partner in self:
            partner.service_intervention_count = counts[partner.commercial_partner_id]

    def action_view_service_interventions(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_intervention"
        )
        action["domain"] = [("partner_id", "child_of", customer.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_view_service_contracts(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_contract"
        )
        action["domain"] = [("partner_id", "child_of", customer.id)]
        action["context"] = {"default_partner_id": customer.id}
        return action

    def action_view_service_installed_base(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_installed_base"
        )
        action["domain"] = [("service_partner_id", "=", customer.id)]
        action["context"] = {
            "default_service_partner_id": customer.id,
            "default_service_address_id": self.id,
        }
        return action
