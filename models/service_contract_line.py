# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import float_round

from .service_document_mixin import is_trusted
from .service_intervention_line import MAX_PRICE, MAX_QUANTITY, implausible_figures
from .service_write_policy_mixin import CONTRACT_TERMS, SYSTEM

# fields of a fee line that do not change what the contract bills: a running
# contract changes them without a reason
NOT_FEE_FIELDS = frozenset({"analytic_distribution"})


def changes_fees(commands):
    """Whether the ``line_ids`` commands of a contract change its fees, i.e.
    do more than update fields of ``NOT_FEE_FIELDS`` of existing lines."""
    return any(
        not (
            isinstance(command, (list, tuple))
            and command[0] == Command.UPDATE
            and set(command[2] or ()) <= NOT_FEE_FIELDS
        )
        for command in commands
    )


class ServiceContractLine(models.Model):
    _name = "service.contract.line"
    _inherit = [
        "service.priced.line.mixin",
        "analytic.mixin",
        "service.write.policy.mixin",
    ]
    _description = "Service Contract Fee Line"
    _analytic_depends = ("contract_id.analytic_distribution",)
    _write_policy = {
        "contract_id": CONTRACT_TERMS,
        "company_id": SYSTEM,
        "currency_id": SYSTEM,
        "sequence": CONTRACT_TERMS,
        "product_id": CONTRACT_TERMS,
        "uom_id": CONTRACT_TERMS,
        "name": CONTRACT_TERMS,
        "quantity": CONTRACT_TERMS,
        "price_unit": CONTRACT_TERMS,
        "discount": CONTRACT_TERMS,
        "tax_ids": CONTRACT_TERMS,
        "analytic_distribution": CONTRACT_TERMS,
        "price_subtotal": SYSTEM,
    }
    _numeric_bounds = {"discount": (0, 100)}
    _order = "contract_id, sequence, id"

    contract_id = fields.Many2one(
        "service.contract", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    product_id = fields.Many2one(domain=[("sale_ok", "=", True)])
    name = fields.Text(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    quantity = fields.Float(default=1.0, digits="Product Unit", required=True)
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain=[("type_tax_use", "=", "sale")],
    )
    price_subtotal = fields.Monetary(
        compute="_compute_price_subtotal", store=True, string="Subtotal"
    )

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id:
                line.name = line.product_id.get_product_multiline_description_sale()
            elif not line.name:
                line.name = False

    @api.depends("contract_id.pricelist_id")
    def _compute_price_unit(self):
        return super()._compute_price_unit()

    def _get_pricing_context(self):
        self.ensure_one()
        return self.contract_id.pricelist_id, self.contract_id.date_start

    def _is_price_frozen(self):
        """The fees of a started contract are what the customer agreed: a
        change of pricelist, quantity or unit never reprices them by itself
        (``service.contract.action_reprice_fees`` does, with a reason)."""
        self.ensure_one()
        return bool(self._origin.id and self.contract_id.state not in ("draft", False))

    def _get_analytic_context(self):
        self.ensure_one()
        contract = self.contract_id
        return contract, contract.partner_id.commercial_partner_id, self.company_id

    def _is_analytic_frozen(self):
        # a running contract's fees keep their price, not their distribution
        return False

    @api.depends("product_id", "contract_id.fiscal_position_id")
    def _compute_tax_ids(self):
        for line in self:
            if line._is_price_frozen():
                # a change of fiscal position re-maps the taxes of drafts only
                line.tax_ids = line.tax_ids
                continue
            company = line.contract_id.company_id or self.env.company
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            fiscal_position = line.contract_id.fiscal_position_id
            line.tax_ids = fiscal_position.map_tax(taxes) if fiscal_position else taxes

    @api.depends("quantity", "price_unit", "discount")
    def _compute_price_subtotal(self):
        for line in self:
            amount = line.quantity * line.price_unit * (1 - line.discount / 100.0)
            currency = line.currency_id or line.company_id.currency_id
            line.price_subtotal = currency.round(amount) if currency else amount

    @api.constrains("quantity", "price_unit")
    def _check_bounds(self):
        for line in self:
            if line.quantity > MAX_QUANTITY or abs(line.price_unit) > MAX_PRICE:
                raise implausible_figures(line)

    def _check_running_change(self):
        if is_trusted(self):
            return
        running = self.contract_id.filtered(lambda c: c.state == "running")
        if running:
            raise UserError(
                self.env._(
                    "Contract %(names)s is running: change its fee lines from the "
                    "contract form and enter a reason for the change.",
                    names=", ".join(running.mapped("name")),
                )
            )

    def _check_line_change(self, fnames=None):
        if fnames is None or not set(fnames) <= NOT_FEE_FIELDS:
            self._check_running_change()

    # ------------------------------------------------------------------
    # Invoicing hooks (see service.contract._prepare_invoice_values)
    # ------------------------------------------------------------------
    def _get_period_price_unit(self, period):
        """The unit price this fee line bills for ``period``.

        A pro-rated period scales the price and keeps the quantity: the
        amount is exact to the cent for a unit quantity (a quantity scaled
        instead is rounded to the unit precision: 15/31 of one unit, 0.48,
        bills 62.40 of a fee of 130 instead of 62.90). The price is rounded to
        the Product Price precision, as the invoice line stores it.

        Extension point: override it to price a period differently (another
        pro-rata rule, a seasonal price); the invoicing engine uses it both
        for the invoice line and to tell a zero or negative fee beforehand.
        """
        self.ensure_one()
        if period["ratio"] == 1.0:
            return self.price_unit
        digits = self.env["decimal.precision"].precision_get("Product Price")
        return float_round(self.price_unit * period["ratio"], precision_digits=digits)

    def _prepare_invoice_line_values(self, period, **optional_values):
        """The values of the invoice line of this fee line for ``period``:
        its description with the period (and the pro-rata days) in the
        customer's language, its price for the period, taxes and analytic
        distribution.

        Extension point: override it to add or change values of the invoice
        lines of contracts (an account, a label, a custom field); call
        ``super()`` and update the dict. ``optional_values`` are added to it.

        :param dict period: see ``service.contract._prepare_invoice_values``
        :return: values for ``account.move.line`` (in ``Command.create``)
        """
        self.ensure_one()
        contract = self.contract_id
        reader_env = self.env["service.invoicing"]._reader_env(contract.partner_id)
        period_label = self.env["service.invoicing"]._format_period(period, reader_env)
        name = f"{self.name} {period_label}"
        if period["ratio"] != 1.0:
            name += " " + reader_env._(
                "(%(days)s/%(period_days)s days)",
                days=period["days"],
                period_days=period["period_days"],
            )
        values = {
            "product_id": self.product_id.id,
            "name": name,
            "quantity": self.quantity,
            "product_uom_id": self.uom_id.id,
            "price_unit": self._get_period_price_unit(period),
            "discount": self.discount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
            "service_contract_id": contract.id,
        }
        if self.analytic_distribution:
            values["analytic_distribution"] = self.analytic_distribution
        values.update(optional_values)
        return values
