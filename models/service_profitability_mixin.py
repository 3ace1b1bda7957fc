# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .selections import COST_GROUPS
from .service_document_mixin import open_action


class ServiceProfitabilityMixin(models.AbstractModel):
    """Revenue, cost and margin to date of a contract, a customer or an
    installed product, read from the profitability report
    (``service.profitability.report``): one grouped query for all records.

    The inheriting model sets ``_service_profitability_field``, the report's
    field naming the record, and may override ``_service_profitability_key``
    (e.g. a contact shows the figures of its company).
    """

    _name = "service.profitability.mixin"
    _description = "Service Profitability Figures"
    _service_profitability_field = None

    service_profit_currency_id = fields.Many2one(
        "res.currency",
        string="Profitability Currency",
        compute="_compute_service_profitability",
        groups=COST_GROUPS,
    )
    service_revenue = fields.Monetary(
        compute="_compute_service_profitability",
        currency_field="service_profit_currency_id",
        groups=COST_GROUPS,
        help="Contract fees and executed work invoiced to date (cancelled "
        "invoices aside).",
    )
    service_cost = fields.Monetary(
        compute="_compute_service_profitability",
        currency_field="service_profit_currency_id",
        groups=COST_GROUPS,
        help="Cost of the work of done interventions to date: labour, parts, "
        "travel and mileage.",
    )
    service_margin = fields.Monetary(
        compute="_compute_service_profitability",
        currency_field="service_profit_currency_id",
        groups=COST_GROUPS,
    )
    service_margin_percent = fields.Float(
        string="Service Margin (%)",
        compute="_compute_service_profitability",
        digits=(16, 1),
        groups=COST_GROUPS,
    )

    def _service_profitability_key(self):
        """The record the report's rows of this record name."""
        self.ensure_one()
        return self._origin

    def _compute_service_profitability(self):
        fname = self._service_profitability_field
        keys = {record: record._service_profitability_key() for record in self}
        key_ids = list({key.id for key in keys.values() if key.id})
        figures = {}
        if key_ids:
            figures = {
                key.id: (revenue, cost)
                for key, revenue, cost in self.env[
                    "service.profitability.report"
                ]._read_group(
                    [(fname, "in", key_ids)], [fname], ["revenue:sum", "cost:sum"]
                )
            }
        currency = self.env.company.currency_id
        for record in self:
            revenue, cost = figures.get(keys[record].id, (0.0, 0.0))
            record.service_profit_currency_id = currency
            record.service_revenue = revenue
            record.service_cost = cost
            record.service_margin = revenue - cost
            record.service_margin_percent = (
                100 * (revenue - cost) / revenue if revenue else 0.0
            )

    def action_view_service_profitability(self):
        """The profitability report of this record: revenue against cost per
        month."""
        self.ensure_one()
        key = self._service_profitability_key()
        action = open_action(
            self.env,
            "service_management.action_service_profitability_report_monthly",
            [(self._service_profitability_field, "=", key.id)],
        )
        action["display_name"] = self.env._(
            "Profitability: %(name)s", name=key.display_name
        )
        return action
