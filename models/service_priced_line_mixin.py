# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ServicePricedLineMixin(models.AbstractModel):
    """What contract fee lines and intervention work lines share: a product
    sold in a unit, at a price from the document's pricelist, with a
    discount.

    The inheriting model defines ``quantity``, ``currency_id`` and
    ``_get_pricing_context()`` (the pricelist and date its prices follow), and
    may override ``_is_price_frozen()`` (prices of history never change).
    With ``analytic.mixin`` (listed after this one), it defines
    ``_get_analytic_context()`` and ``_analytic_depends`` for the analytic
    distribution, and may override ``_is_analytic_frozen()``.
    """

    _name = "service.priced.line.mixin"
    _description = "Service Priced Line"
    _check_company_auto = True
    # what the analytic distribution depends on, besides the product
    _analytic_depends = ()

    sequence = fields.Integer(default=10)
    product_id = fields.Many2one("product.product", check_company=True)
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    price_unit = fields.Float(
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Price",
    )
    discount = fields.Float(string="Discount (%)", digits="Discount")

    _discount_range = models.Constraint(
        "CHECK(discount BETWEEN 0 AND 100)",
        "The discount of a line must be between 0 and 100%.",
    )
    _quantity_positive = models.Constraint(
        "CHECK(quantity >= 0)",
        "Hours, quantities and km of a line cannot be negative.",
    )

    @api.depends("product_id")
    def _compute_uom_id(self):
        for line in self:
            line.uom_id = line.product_id.uom_id or line.uom_id

    @api.depends("product_id", "quantity", "uom_id")
    def _compute_price_unit(self):
        for line in self:
            if line._is_price_frozen():
                line.price_unit = line.price_unit
            elif not line.product_id:
                line.price_unit = line.price_unit or 0.0
            else:
                line.price_unit = line._get_pricelist_price()

    @api.depends(lambda self: ("product_id", *self._analytic_depends))
    def _compute_analytic_distribution(self):
        """The distribution of the line's contract, else that of the
        analytic distribution models for the product and the customer (see
        ``_get_analytic_context``); lines of history keep theirs."""
        # whoever writes lines may not read the distribution models
        Model = self.env["account.analytic.distribution.model"].sudo()
        cache = {}
        for line in self:
            if line._is_analytic_frozen():
                line.analytic_distribution = line.analytic_distribution
                continue
            contract, customer, company = line._get_analytic_context()
            distribution = contract.analytic_distribution
            if not distribution:
                arguments = (line.product_id, customer, company)
                if arguments not in cache:
                    cache[arguments] = Model._get_distribution(
                        line._get_analytic_model_values(customer, company)
                    )
                distribution = cache[arguments]
            line.analytic_distribution = distribution or line.analytic_distribution

    def _get_analytic_model_values(self, customer, company):
        """What the analytic distribution models are matched on."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_categ_id": self.product_id.categ_id.id,
            "partner_id": customer.id,
            "partner_category_id": customer.category_id.ids,
            "company_id": company.id,
        }

    def _get_pricelist_price(self):
        """The product's unit price from the line's pricelist, else its sale price."""
        self.ensure_one()
        pricelist, date = self._get_pricing_context()
        if not pricelist:
            return self.product_id.lst_price
        return pricelist._get_product_price(
            self.product_id, self.quantity or 1.0, uom=self.uom_id, date=date
        )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_line_change()
        return lines

    def write(self, vals):
        self._check_line_change(vals)
        return super().write(vals)

    def unlink(self):
        self._check_line_change()
        return super().unlink()

    def _check_line_change(self, fnames=None):
        """Refuse to create, change (``fnames``: the fields written) or
        delete lines their document has frozen; raise a UserError that says
        what to do instead."""

    def _get_pricing_context(self):
        """(pricelist, date) the price of this line follows."""
        self.ensure_one()
        raise NotImplementedError

    def _is_price_frozen(self):
        """True when the price is history and must not be recomputed."""
        self.ensure_one()
        return False

    def _get_analytic_context(self):
        """(contract, commercial customer, company) the analytic
        distribution of this line follows."""
        self.ensure_one()
        raise NotImplementedError

    def _is_analytic_frozen(self):
        """True when the analytic distribution is history: kept as it is
        (by default, with the price)."""
        self.ensure_one()
        return self._is_price_frozen()
