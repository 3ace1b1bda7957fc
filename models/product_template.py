# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .selections import (
    BILLING_METHODS,
    CONTRACT_READERS,
    CONTRACT_TYPES,
    INTERVAL_TYPES,
    LOT_READERS,
)
from .service_document_mixin import open_action
from .service_write_policy_mixin import ANYONE, SYSTEM


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = [
        "product.template",
        "service.note.mixin",
        "service.write.policy.mixin",
    ]
    # products are configured by whoever the access rights let edit them
    _write_policy_default = ANYONE
    _write_policy = {"service_installed_count": SYSTEM}
    _numeric_bounds = {
        "service_allowance_hours": (0, None),
        "service_allowance_visits": (0, None),
        "service_sla_response_hours": (0, 100000),
        "service_sla_resolution_hours": (0, 100000),
    }

    service_installed_base = fields.Boolean(
        string="Track in Installed Base",
        help="Every serial/lot of this product delivered to a customer is "
        "registered in the installed base, with its warranty.",
    )
    service_warranty_months = fields.Integer(
        string="Warranty (months)",
        help="Warranty length from the delivery date; 0 means no warranty.",
    )
    service_protocol_id = fields.Many2one(
        "service.protocol",
        string="Maintenance Protocol",
        groups=CONTRACT_READERS,
        help="Default maintenance protocol of this product once installed.",
    )
    service_contract_product = fields.Boolean(
        string="Creates a Service Contract",
        help="Selling this product creates a service contract when the sale "
        "order is confirmed.",
    )
    service_contract_type = fields.Selection(
        CONTRACT_TYPES,
        string="Contract Type",
        default="maintenance",
    )
    service_billing_method = fields.Selection(
        BILLING_METHODS,
        string="Contract Billing",
        default="flat_rate",
    )
    service_recurring_interval_number = fields.Integer(
        string="Invoice Every", default=1
    )
    service_recurring_interval_type = fields.Selection(
        INTERVAL_TYPES, string="Invoicing Unit", default="month"
    )
    service_contract_duration_months = fields.Integer(
        string="Contract Duration (months)",
        default=12,
        help="Length of the contract created by a sale; 0 means open-ended.",
    )
    service_allowance_hours = fields.Float(
        string="Prepaid Hours",
        help="Hours of labour each unit sold includes in the contract (a "
        "package of prepaid hours).",
    )
    service_allowance_visits = fields.Integer(
        string="Included Visits",
        help="On-site visits each unit sold includes in the contract.",
    )
    service_allowance_period = fields.Selection(
        [("period", "Per Invoicing Period"), ("term", "Per Contract Term")],
        string="Allowance Renews",
        default="period",
    )
    service_allowance_rollover = fields.Boolean(string="Unused Hours Roll Over")
    service_sla_response_hours = fields.Float(string="Response Time (h)")
    service_sla_resolution_hours = fields.Float(string="Resolution Time (h)")
    service_installed_count = fields.Integer(
        compute="_compute_service_installed_count",
        string="Installed",
        groups=LOT_READERS,
    )

    def _compute_service_installed_count(self):
        counts = defaultdict(int)
        for product, count in self._get_service_installed_groups():
            counts[product.product_tmpl_id] += count
        for template in self:
            template.service_installed_count = counts[template]

    def _get_service_installed_groups(self):
        return self.env["stock.lot"]._read_group(
            [
                ("product_id.product_tmpl_id", "in", self.ids),
                ("service_partner_id", "!=", False),
            ],
            ["product_id"],
            ["__count"],
        )

    @api.constrains(
        "service_contract_product",
        "service_recurring_interval_number",
        "service_contract_duration_months",
    )
    def _check_service_contract_settings(self):
        for template in self.filtered("service_contract_product"):
            if template.service_recurring_interval_number <= 0:
                raise ValidationError(template._get_service_interval_error())
            if template.service_contract_duration_months < 0:
                raise ValidationError(template._get_service_duration_error())

    def _get_service_interval_error(self):
        return self.env._(
            "'%(product)s' creates service contracts: it must be "
            "invoiced every 1 or more periods.",
            product=self.display_name,
        )

    def _get_service_duration_error(self):
        return self.env._(
            "'%(product)s': the contract duration cannot be negative.",
            product=self.display_name,
        )

    @api.constrains("service_warranty_months")
    def _check_service_warranty_months(self):
        for template in self:
            if template.service_warranty_months < 0:
                raise ValidationError(template._get_service_warranty_error())

    def _get_service_warranty_error(self):
        return self.env._(
            "The warranty of '%(product)s' cannot be negative: enter "
            "a number of months, or 0 for no warranty.",
            product=self.display_name,
        )

    def action_view_service_installed_base(self):
        self.ensure_one()
        return open_action(
            self.env,
            "service_management.action_service_installed_base",
            [("product_id.product_tmpl_id", "=", self.id)],
            {
                "default_product_id": self.product_variant_id.id,
                "search_default_group_partner": 1,
            },
        )
