# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..models.service_document_mixin import reopen_wizard
from ..models.service_write_policy_mixin import ANYONE


class ServiceInstalledBaseBackfill(models.TransientModel):
    _name = "service.installed.base.backfill"
    _description = "Register Installed Base from Past Deliveries"
    _inherit = ["service.write.policy.mixin"]
    # a wizard: whoever its access rights let run it fills it in
    _write_policy_default = ANYONE
    _numeric_bounds = {"batch_size": (1, 100000)}

    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To", default=fields.Date.context_today)
    partner_ids = fields.Many2many("res.partner", string="Customers")
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        domain=[("service_installed_base", "=", True)],
    )
    batch_size = fields.Integer(default=2000)
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    registered_count = fields.Integer(readonly=True)
    updated_count = fields.Integer(readonly=True)
    returned_count = fields.Integer(readonly=True)
    unchanged_count = fields.Integer(readonly=True)
    move_line_count = fields.Integer(string="Moves Read", readonly=True)

    @api.constrains("date_from", "date_to", "batch_size")
    def _check_dates(self):
        for wizard in self:
            if (
                wizard.date_from
                and wizard.date_to
                and wizard.date_from > wizard.date_to
            ):
                raise UserError(
                    self.env._("The start date must be on or before the end date.")
                )
            if wizard.batch_size <= 0:
                raise UserError(self.env._("The batch size must be at least 1."))

    def _move_line_domain(self):
        self.ensure_one()
        domain = Domain(
            [
                ("state", "=", "done"),
                ("lot_id", "!=", False),
                ("product_id.service_installed_base", "=", True),
            ]
        ) & (
            Domain("location_dest_id.usage", "=", "customer")
            | Domain("location_id.usage", "=", "customer")
        )
        # read as superuser: bounded by the companies the user works in
        domain &= Domain("company_id", "in", self.env.companies.ids)
        if self.date_from:
            domain &= Domain("date", ">=", fields.Datetime.to_datetime(self.date_from))
        if self.date_to:
            end = fields.Datetime.end_of(
                fields.Datetime.to_datetime(self.date_to), "day"
            )
            domain &= Domain("date", "<=", end)
        if self.product_ids:
            domain &= Domain("product_id", "in", self.product_ids.ids)
        if self.partner_ids:
            partners = self.partner_ids | self.partner_ids.child_ids
            domain &= Domain("move_id.partner_id", "child_of", partners.ids) | Domain(
                "picking_id.partner_id", "child_of", partners.ids
            )
        return domain

    def action_register(self):
        """Replay the matching deliveries and returns, oldest first, in batches.

        Idempotent: events already applied to a serial (or older than its
        last applied event) change nothing, so a second run only counts
        unchanged serials.
        """
        self.ensure_one()
        # officers may not be inventory users: the wizard's own access rights
        # (service officers) are the check, the replay reads stock as superuser
        MoveLine = self.env["stock.move.line"].sudo()
        Lot = self.env["stock.lot"].sudo()
        line_ids = MoveLine.search(self._move_line_domain(), order="date, id").ids
        totals = dict.fromkeys(("registered", "updated", "returned", "unchanged"), 0)
        for start in range(0, len(line_ids), self.batch_size):
            batch = MoveLine.browse(line_ids[start : start + self.batch_size])
            counts = Lot._service_apply_events(
                Lot._service_events_from_move_lines(batch)
            )
            for key, value in counts.items():
                totals[key] += value
            # free the memory of the processed batch
            self.env.invalidate_all(flush=True)
        self.write(
            {
                "state": "done",
                "move_line_count": len(line_ids),
                "registered_count": totals["registered"],
                "updated_count": totals["updated"],
                "returned_count": totals["returned"],
                "unchanged_count": totals["unchanged"],
            }
        )
        return reopen_wizard(self)

    def action_open_installed_base(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_installed_base"
        )
