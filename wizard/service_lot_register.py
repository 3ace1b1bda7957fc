# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from ..models.service_write_policy_mixin import ANYONE


class ServiceLotRegister(models.TransientModel):
    """A machine found on site that is not in the installed base yet: the
    technician registers its serial on the job; an officer confirms it."""

    _name = "service.lot.register"
    _description = "Register a Machine Found on Site"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE

    intervention_id = fields.Many2one("service.intervention", required=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('tracking', '=', 'serial')]",
    )
    serial = fields.Char(string="Serial Number", required=True)
    symptom = fields.Char()

    @api.model
    def _check_intervention(self, intervention):
        intervention.check_access("write")
        if intervention.state not in ("draft", "scheduled", "in_progress"):
            raise UserError(
                self.env._(
                    "Intervention %(name)s is closed: re-open it to add a machine.",
                    name=intervention.name,
                )
            )

    def action_register(self):
        """Create the serial (technicians may not create serials: done as
        superuser after the checks) at the customer's site, flagged to be
        confirmed, and add it to the job's objects."""
        self.ensure_one()
        intervention = self.intervention_id
        self._check_intervention(intervention)
        serial = (self.serial or "").strip()
        if not serial:
            raise UserError(
                self.env._("Type or scan the serial number of the machine.")
            )
        lot = self._find_lot(serial)
        if not lot:
            lot = self._create_lot(serial)
        elif not lot.service_partner_id:
            lot.write(self._site_values())
        if lot not in intervention.object_ids.lot_id:
            intervention.object_ids = [
                Command.create({"lot_id": lot.id, "symptom": self.symptom})
            ]
        return True

    def _find_lot(self, serial):
        """The serial of the product in the job's company, as superuser;
        refused when it is installed at another customer."""
        intervention = self.intervention_id
        lot = (
            self.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("product_id", "=", self.product_id.id),
                    ("name", "=", serial),
                    ("company_id", "in", (intervention.company_id.id, False)),
                ],
                limit=1,
            )
        )
        customer = intervention.partner_id.commercial_partner_id
        owner = lot.service_partner_id.commercial_partner_id
        if owner and owner != customer:
            raise UserError(
                self.env._(
                    "Serial %(serial)s of %(product)s is registered at another "
                    "customer: check the number, or ask an officer to move it.",
                    serial=serial,
                    product=self.product_id.display_name,
                )
            )
        return lot

    def _site_values(self):
        """A serial installed at the job's site, to be confirmed."""
        intervention = self.intervention_id
        return {
            "service_partner_id": intervention.partner_id.commercial_partner_id.id,
            "service_address_id": intervention.partner_shipping_id.id,
            "service_state": "installed",
            "service_to_confirm": True,
        }

    def _create_lot(self, serial):
        intervention = self.intervention_id
        lot = (
            self.env["stock.lot"]
            .sudo()
            .create(
                dict(
                    self._site_values(),
                    name=serial,
                    product_id=self.product_id.id,
                    company_id=intervention.company_id.id,
                )
            )
        )
        lot.message_post(
            body=self.env._(
                "Registered on site by %(user)s on %(job)s: to be confirmed.",
                user=self.env.user.name,
                job=intervention.name,
            )
        )
        return lot
