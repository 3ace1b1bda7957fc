# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .service_document_mixin import is_trusted
from .service_intervention_line import MAX_PRICE, MAX_QUANTITY, implausible_figures


class ServiceContractLine(models.Model):
    _name = "service.contract.line"
    _description = "Service Contract Fee Line"
    _order = "contract_id, sequence, id"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "service.contract", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain=[("sale_ok", "=", True)],
    )
    name = fields.Text(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    quantity = fields.Float(default=1.0, digits="Product Unit", required=True)
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    price_unit = fields.Float(
        digits="Product Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
    )
    discount = fields.Float(string="Discount (%)", digits="Discount")
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

    _quantity_positive = models.Constraint(
        "CHECK(quantity >= 0)", "The quantity of a fee line cannot be negative."
    )
    _discount_range = models.Constraint(
        "CHECK(discount BETWEEN 0 AND 100)",
        "The discount of a fee line must be between 0 and 100%.",
    )

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id:
                line.name = line.product_id.get_product_multiline_description_sale()
            elif not line.name:
                line.name = False

    @api.depends("product_id")
    def _compute_uom_id(self):
        for line in self:
            line.uom_id = line.product_id.uom_id or line.uom_id

    @api.depends("product_id", "quantity", "uom_id", "contract_id.pricelist_id")
    def _compute_price_unit(self):
        for line in self:
            if not line.product_id:
                continue
            pricelist = line.contract_id.pricelist_id
            if pricelist:
                line.price_unit = pricelist._get_product_price(
                    line.product_id,
                    line.quantity or 1.0,
                    uom=line.uom_id,
                    date=line.contract_id.date_start,
                )
            else:
                line.price_unit = line.product_id.lst_price

    @api.depends("product_id", "contract_id.fiscal_position_id")
    def _compute_tax_ids(self):
        for line in self:
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

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_running_change()
        return lines

    def write(self, vals):
        self._check_running_change()
        return super().write(vals)

    def unlink(self):
        self._check_running_change()
        return super().unlink()
