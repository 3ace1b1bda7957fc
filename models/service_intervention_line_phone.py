# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spare parts by scan: the "Add part" dialog resolves a scanned or typed
code (a serial or lot, a product barcode, an internal reference) into the
product and its lot, preferring what is in the technician's van."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime


class ServiceInterventionLine(models.Model):
    _inherit = "service.intervention.line"

    scan_code = fields.Char(
        string="Scan or Type a Code",
        store=False,
        help="Barcode, serial/lot number or internal reference of the part.",
    )
    intervention_lot_ids = fields.Many2many(related="intervention_id.lot_ids")
    # the "Add travel" dialog chooses between the two kinds only
    travel_kind = fields.Selection(
        [("travel", "Travel Time"), ("mileage", "Kilometres")],
        string="Record",
        compute="_compute_travel_kind",
        inverse="_inverse_travel_kind",
    )

    @api.depends("line_type")
    def _compute_travel_kind(self):
        for line in self:
            kind = line.line_type
            line.travel_kind = kind if kind in ("travel", "mileage") else False

    def _inverse_travel_kind(self):
        for line in self:
            if line.travel_kind and line.line_type != line.travel_kind:
                line.line_type = line.travel_kind

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
            return None
        code = self.scan_code.strip()
        self.scan_code = False
        van = self._service_van_location()
        product, lot = self._service_lookup_code(code, van)
        self.line_type = "part"
        self.product_id = product
        self.lot_id = lot
        warning = self._service_van_warning(product, lot, van)
        if warning:
            return {
                "warning": {"title": self.env._("Not in your van"), "message": warning}
            }
        return None

    def _service_van_location(self):
        """The user's van (their employee's stock location), else where the
        job's parts leave from."""
        company = self.intervention_id.company_id or self.env.company
        employee = self.env.user.employee_ids.filtered(
            lambda e: e.company_id == company
        )[:1]
        # technicians may not read the van field of employees
        return (
            employee.sudo().service_location_id or self.intervention_id.location_id
        ).sudo()

    @api.model
    def _service_lookup_code(self, code, van=None):
        """(product, lot) of a scanned or typed code: a serial or lot number,
        a product barcode, or an internal reference; in the van first.

        :raise UserError: when no part has this code
        """
        code = (code or "").strip()
        company = self.intervention_id.company_id or self.env.company
        Lot = self.env["stock.lot"]
        Product = self.env["product.product"]
        company_domain = [("company_id", "in", (company.id, False))]
        lots = Lot.search([("name", "=", code), *company_domain])
        if lots:
            lot = self._service_in_van(lots, van, "lot_id")[:1]
            return lot.product_id, lot
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
        product = self._service_in_van(products, van, "product_id")[:1]
        lot = Lot
        if product.tracking != "none" and van:
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
            lot = quants.lot_id.with_env(self.env)
        return product, lot

    def _service_in_van(self, records, van, field_name):
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

    def _service_van_warning(self, product, lot, van):
        """A sentence when the part is not in the van (it may be used all the
        same: the technician brought it from elsewhere)."""
        if not product.is_storable or not van:
            return False
        available = (
            self.env["stock.quant"]
            .sudo()
            ._get_available_quantity(
                product.sudo(), van, lot_id=lot.sudo() or None, allow_negative=True
            )
        )
        if available > 0:
            return False
        return self.env._(
            "%(product)s%(lot)s is not in %(location)s: the line is recorded "
            "anyway; tell the warehouse where the part came from.",
            product=product.display_name,
            lot=f" ({lot.name})" if lot else "",
            location=van.display_name,
        )

    # ------------------------------------------------------------------
    # The day's work report (rapportino)
    # ------------------------------------------------------------------
    def _service_daily_pages(self):
        """One page per technician and day of these activity lines: the jobs
        with their start and end times, the hours per activity type, the
        travel, km, parts and expenses of those jobs that day, the totals and
        the technician's signature of the day."""
        pages = []
        groups = self._service_daily_groups()
        if not groups:
            return pages
        jobs = self.intervention_id
        days = {day for (__, day), __ in groups}
        others = self.search(
            [
                ("intervention_id", "in", jobs.ids),
                ("date", "in", list(days)),
                ("line_type", "!=", "activity"),
            ]
        )
        signed = {
            (work_day.employee_id, work_day.date): work_day
            for work_day in self.env["service.work.day"]
            .sudo()
            .search(
                [
                    ("employee_id", "in", [key[0].id for key, __ in groups]),
                    ("date", "in", list(days)),
                ]
            )
        }

        def total(lines, line_type):
            return sum(
                lines.filtered(lambda rec: rec.line_type == line_type).mapped(
                    "quantity"
                )
            )

        def time_of(value):
            return format_datetime(self.env, value, dt_format="HH:mm") if value else ""

        for (employee, day), activities in groups:
            day_jobs = activities.intervention_id
            hours_per_type = defaultdict(float)
            for line in activities:
                label = line.activity_type_id.name or line.name
                hours_per_type[label] += line.quantity
            extra = others.filtered(
                lambda line, day=day, day_jobs=day_jobs: (
                    line.date == day and line.intervention_id in day_jobs
                )
            )

            pages.append(
                {
                    "employee": employee,
                    "day": day,
                    "lines": activities,
                    "other_lines": extra,
                    "jobs": [
                        {
                            "job": job,
                            "start": time_of(job.actual_start),
                            "end": time_of(job.actual_end),
                        }
                        for job in day_jobs
                    ],
                    "hours_per_type": sorted(hours_per_type.items()),
                    "total_hours": sum(activities.mapped("quantity")),
                    "total_travel": total(extra, "travel"),
                    "total_km": total(extra, "mileage"),
                    "total_parts": total(extra, "part"),
                    "total_expenses": sum(
                        extra.filtered(lambda line: line.line_type == "expense").mapped(
                            "price_subtotal"
                        )
                    ),
                    "total_pays": sum((activities | extra).mapped("price_subtotal")),
                    "work_day": signed.get((employee, day)),
                }
            )
        return pages
