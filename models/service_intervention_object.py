# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .service_write_policy_mixin import SYSTEM, TECH_CREATES, TECHNICIAN


class ServiceInterventionObject(models.Model):
    _name = "service.intervention.object"
    _description = "Serviced Object"
    _inherit = ["service.write.policy.mixin"]
    _write_policy = {
        "intervention_id": TECH_CREATES,
        "company_id": SYSTEM,
        "sequence": TECHNICIAN,
        "lot_id": TECHNICIAN,
        "product_id": TECHNICIAN,
        "symptom": TECHNICIAN,
        "diagnosis": TECHNICIAN,
        "outcome": TECHNICIAN,
        "line_ids": TECHNICIAN,
        "note": TECHNICIAN,
        "under_warranty": SYSTEM,
        "warranty_end_date": SYSTEM,
    }
    _order = "intervention_id, sequence, id"
    _check_company_auto = True

    intervention_id = fields.Many2one(
        "service.intervention", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="intervention_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial",
        check_company=True,
        index="btree_not_null",
        domain="[('service_partner_id', '=', parent.commercial_partner_id)]",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    symptom = fields.Text()
    diagnosis = fields.Text()
    outcome = fields.Selection(
        [
            ("fixed", "Fixed"),
            ("checked", "Checked, OK"),
            ("to_follow", "Needs Follow-up"),
            ("replaced", "Replaced"),
            ("not_repairable", "Not Repairable"),
        ]
    )
    line_ids = fields.One2many(
        "service.intervention.line", "object_id", string="Work Lines"
    )
    under_warranty = fields.Boolean(related="lot_id.under_warranty")
    warranty_end_date = fields.Date(related="lot_id.warranty_end_date")
    note = fields.Html(string="Notes", groups="base.group_user")

    @api.depends("lot_id")
    def _compute_product_id(self):
        for obj in self:
            if obj.lot_id:
                obj.product_id = obj.lot_id.product_id

    @api.depends("lot_id", "product_id")
    def _compute_display_name(self):
        for obj in self:
            if obj.lot_id:
                obj.display_name = f"{obj.product_id.display_name} ({obj.lot_id.name})"
            else:
                obj.display_name = obj.product_id.display_name or ""

    @api.constrains("lot_id", "product_id", "intervention_id")
    def _check_lot(self):
        for obj in self:
            if not obj.lot_id and not obj.product_id:
                raise ValidationError(
                    self.env._("Each serviced object needs a serial or a product.")
                )
            customer = obj.intervention_id.partner_id.commercial_partner_id
            if obj.lot_id and obj.lot_id.service_partner_id != customer:
                raise ValidationError(obj._not_installed_error(customer))

    def _not_installed_error(self, customer):
        return self.env._(
            "Serial %(serial)s is not installed at %(customer)s: pick "
            "one of the customer's installed products, or register it "
            "in the installed base first.",
            serial=self.lot_id.name,
            customer=customer.display_name,
        )
