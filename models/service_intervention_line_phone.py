# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spare parts by scan and the phone's dialogs: the "Add part" dialog
resolves a scanned or typed code (a serial or lot, a product barcode, an
internal reference) into the product and its lot, preferring what is in the
technician's van; a part the van does not hold is saved once the technician
says he brought it from elsewhere.

A concern of ``service.intervention.line`` (listed in its ``_inherit``)."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import formatLang

from .service_write_policy_mixin import SYSTEM, TECHNICIAN


class ServiceInterventionLinePhone(models.AbstractModel):
    _name = "service.intervention.line.phone"
    _description = "Work Line on a Phone"
    _write_policy = {
        "scan_code": TECHNICIAN,
        "van_shortage": SYSTEM,
        "outside_van": TECHNICIAN,
        "travel_kind": TECHNICIAN,
        "intervention_lot_ids": SYSTEM,
    }

    # the line's job (defined in full by service.intervention.line)
    intervention_id = fields.Many2one("service.intervention")
    scan_code = fields.Char(
        string="Scan or Type a Code",
        store=False,
        help="Barcode, serial/lot number or internal reference of the part.",
    )
    intervention_lot_ids = fields.Many2many(related="intervention_id.lot_ids")
    # a part the technician's van does not hold is recorded once he says
    # where it came from: the warehouse then knows where to look
    van_shortage = fields.Char(
        compute="_compute_van_shortage",
        help="Why the part is not expected from the technician's van.",
    )
    outside_van = fields.Boolean(
        string="Brought From Elsewhere",
        help="The technician confirmed that this part did not come from his "
        "van (bought, borrowed, taken from the warehouse).",
    )
    # the "Add travel" dialog chooses between the two kinds only
    travel_kind = fields.Selection(
        [("travel", "Travel Time"), ("mileage", "Kilometres")],
        string="Record",
        compute="_compute_travel_kind",
        inverse="_inverse_travel_kind",
    )

    # ------------------------------------------------------------------
    # Computes, constraints, onchanges
    # ------------------------------------------------------------------
    @api.depends("line_type")
    def _compute_travel_kind(self):
        for line in self:
            kind = line.line_type
            line.travel_kind = kind if kind in ("travel", "mileage") else False

    def _inverse_travel_kind(self):
        for line in self:
            if line.travel_kind and line.line_type != line.travel_kind:
                line.line_type = line.travel_kind

    @api.depends("line_type", "product_id", "lot_id", "quantity", "intervention_id")
    @api.depends_context("uid")
    def _compute_van_shortage(self):
        for line in self:
            line.van_shortage = (
                line.line_type == "part"
                and not line.stock_move_id
                and line._van_warning(
                    line.product_id, line.lot_id, line._van_location()
                )
            )

    @api.constrains("product_id", "lot_id", "quantity", "outside_van")
    def _check_van_confirmed(self):
        """In the "Add part" dialog (its context asks for it), a part the
        van does not hold is saved only once the technician confirms he
        brought it from elsewhere."""
        if not self.env.context.get("service_confirm_van"):
            return
        for line in self.filtered(lambda rec: not rec.outside_van):
            if line.van_shortage:
                raise ValidationError(
                    self.env._(
                        "%(shortage)s Tick “Brought From Elsewhere” to record it.",
                        shortage=line.van_shortage,
                    )
                )

    @api.constrains("lot_id", "product_id", "line_type")
    def _check_part_lot(self):
        for line in self.filtered(lambda rec: rec.line_type == "part" and rec.lot_id):
            if line.stock_move_id:
                continue  # already delivered: the serial moved with it
            message = line._part_lot_problem(line.product_id, line.lot_id)
            if message:
                raise ValidationError(message)

    @api.onchange("travel_kind")
    def _onchange_travel_kind(self):
        if self.travel_kind and self.line_type != self.travel_kind:
            # the product and quantity of the other kind do not carry over
            self.product_id = False
            self.quantity = 0.0
            self.line_type = self.travel_kind

    @api.onchange("scan_code")
    def _onchange_scan_code(self):
        if not self.scan_code:
            return
        code = self.scan_code.strip()
        self.scan_code = False
        product, lot = self._lookup_code(code, self._van_location())
        message = self._part_lot_problem(product, lot)
        if message:
            raise UserError(message)
        self.line_type = "part"
        self.product_id = product
        self.lot_id = lot

    # ------------------------------------------------------------------
    # The van and the codes
    # ------------------------------------------------------------------
    def _van_location(self):
        """The user's van (their employee's stock location), else where the
        job's parts leave from."""
        company = self.intervention_id.company_id or self.env.company
        employee = self.env.user._service_employee(company)
        # technicians may not read the van field of employees
        return (
            employee.sudo().service_location_id or self.intervention_id.location_id
        ).sudo()

    @api.model
    def _lookup_code(self, code, van=None):
        """(product, lot) of a scanned or typed code: a serial or lot number,
        a product barcode, or an internal reference; in the van first.

        :raise UserError: when no part has this code
        """
        code = (code or "").strip()
        company = self.intervention_id.company_id or self.env.company
        company_domain = [("company_id", "in", (company.id, False))]
        lots = self.env["stock.lot"].search([("name", "=", code), *company_domain])
        if lots:
            lot = self._in_van(lots, van, "lot_id")[:1]
            return lot.product_id, lot
        product = self._in_van(
            self._products_of_code(code, company_domain), van, "product_id"
        )[:1]
        return product, self._oldest_lot_in_van(product, van)

    @api.model
    def _products_of_code(self, code, company_domain):
        Product = self.env["product.product"]
        products = Product.search([("barcode", "=", code), *company_domain])
        if not products:
            products = Product.search(
                [("default_code", "=ilike", code), *company_domain]
            )
        if not products:
            raise UserError(
                self.env._(
                    "No spare part has the code %(code)s (serial, barcode or "
                    "internal reference): check it, or pick the product by name.",
                    code=code,
                )
            )
        return products

    @api.model
    def _oldest_lot_in_van(self, product, van):
        """The lot of ``product`` in the van received first (tracked products
        only), else no lot."""
        if product.tracking == "none" or not van:
            return self.env["stock.lot"]
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "child_of", van.id),
                    ("lot_id", "!=", False),
                    ("quantity", ">", 0),
                ],
                order="in_date, id",
                limit=1,
            )
        )
        return quants.lot_id.with_env(self.env)

    def _in_van(self, records, van, field_name):
        """These products or lots, those with stock in the van first."""
        if not van or len(records) < 2:
            return records
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    (field_name, "in", records.ids),
                    ("location_id", "child_of", van.id),
                    ("quantity", ">", 0),
                ]
            )
        )
        stocked = quants[field_name].with_env(self.env)
        return (records & stocked) + (records - stocked)

    def _part_lot_problem(self, product, lot):
        """Why serial ``lot`` cannot be used as a spare part of ``product``
        on this job (a sentence saying where it is), or False."""
        if not lot:
            return False
        lot = lot.sudo()
        if product and lot.product_id != product:
            return self.env._(
                "Serial %(lot)s belongs to %(lot_product)s, not to %(product)s.",
                lot=lot.name,
                lot_product=lot.product_id.display_name,
                product=product.display_name,
            )
        return self._lot_place_problem(lot)

    def _lot_place_problem(self, lot):
        """Why serial ``lot`` is not a spare part where it is (installed at
        another customer, returned, scrapped), or False."""
        customer = lot.service_partner_id.commercial_partner_id
        here = self.intervention_id.partner_id.commercial_partner_id
        if lot.service_state in ("installed", "in_repair") and customer != here:
            return self.env._(
                "Serial %(lot)s is installed at %(customer)s (%(site)s): it is "
                "not a spare part. Check the code, or ask an officer to move it.",
                lot=lot.name,
                customer=customer.display_name,
                site=(lot.service_address_id or customer).display_name,
            )
        if lot.service_state in ("returned", "scrapped"):
            states = dict(lot._fields["service_state"]._description_selection(self.env))
            return self.env._(
                "Serial %(lot)s was %(state)s (last at %(customer)s): it cannot "
                "be fitted as a spare part.",
                lot=lot.name,
                state=states[lot.service_state],
                customer=customer.display_name or "-",
            )
        return False

    def _van_warning(self, product, lot, van):
        """A sentence when the van does not hold the part (it may be used
        all the same once the technician says he brought it from elsewhere)."""
        if not product.is_storable or not van:
            return False
        available = (
            self.env["stock.quant"]
            .sudo()
            ._get_available_quantity(
                product.sudo(), van, lot_id=lot.sudo() or None, allow_negative=True
            )
        )
        if available >= (self.quantity or 1.0):
            return False
        if lot:
            return self.env._(
                "%(product)s %(lot)s is not in %(location)s.",
                product=product.display_name,
                lot=lot.name,
                location=van.display_name,
            )
        return self.env._(
            "%(location)s holds %(available)s of %(product)s, not %(quantity)s.",
            product=product.display_name,
            location=van.display_name,
            available=formatLang(self.env, max(available, 0.0), dp="Product Unit"),
            quantity=formatLang(self.env, self.quantity or 1.0, dp="Product Unit"),
        )
