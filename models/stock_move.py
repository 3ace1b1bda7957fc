# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command

from .selections import WORK_READERS
from .service_write_policy_mixin import SYSTEM

SKIP_INSTALLED_BASE = object()


class StockMove(models.Model):
    _name = "stock.move"
    _inherit = ["stock.move", "service.write.policy.mixin"]
    # parts of a finished intervention leave stock as the application
    _write_policy = {"service_intervention_id": SYSTEM}

    service_intervention_id = fields.Many2one(
        "service.intervention",
        string="Intervention",
        index="btree_not_null",
        readonly=True,
        copy=False,
        check_company=True,
        groups=WORK_READERS,
        help="Intervention this spare part was used on.",
    )

    @api.depends("service_intervention_id")
    def _compute_reference(self):
        result = super()._compute_reference()
        for move in self:
            if not move.picking_id and move.service_intervention_id:
                move.reference = move.service_intervention_id.name
        return result

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        # only server code (tests, benchmarks) may skip the registration: a
        # client cannot send a Python object in its context
        if (
            self.env.context.get("service_skip_installed_base")
            is not SKIP_INSTALLED_BASE
        ):
            moves._service_register_installed_base()
        return moves

    def _service_register_installed_base(self):
        """Register the serials these done moves delivered to (or took back
        from) customers in the installed base, then cover them by contracts."""
        lines = self.move_line_ids.filtered(
            lambda line: line.lot_id and line.product_id.service_installed_base
        )
        if not lines:
            return
        # the registration is the add-on's bookkeeping of a validation the
        # user may do: an Inventory user reads neither the sale order nor the
        # contracts it links the serials to (as sale_stock's side effects)
        lots = self.env["stock.lot"].sudo()
        events = lots._service_events_from_move_lines(lines.sudo())
        lots._service_apply_events(events)
        delivered = [event for event in events if event["kind"] == "delivery"]
        if delivered:
            self.sudo()._service_cover_delivered_lots(delivered)

    def _service_cover_delivered_lots(self, events):
        """Delivered serials join the contracts sold on the same order; with
        the company setting, a warranty contract covers each delivery."""
        Contract = self.env["service.contract"]
        by_order = defaultdict(lambda: self.env["stock.lot"])
        by_delivery = defaultdict(lambda: self.env["stock.lot"])
        for event in events:
            move = event["move"]
            lot = event["lot"]
            order = move.sale_line_id.order_id
            if order:
                by_order[order] |= lot
            if (
                lot.warranty_end_date
                and lot.service_partner_id
                and move.company_id.service_warranty_contract_on_delivery
            ):
                by_delivery[(event["origin"], lot.service_partner_id)] |= lot
        for order, order_lots in by_order.items():
            contracts = order.service_contract_ids.filtered(
                lambda c: c.state in ("draft", "running")
            )
            for contract in contracts:
                covered = order_lots.filtered(
                    lambda lot, c=contract: (
                        lot.service_partner_id == c.partner_id.commercial_partner_id
                    )
                )
                if covered - contract.lot_ids:
                    contract.write(
                        {"lot_ids": [Command.link(lot.id) for lot in covered]}
                    )
        if by_delivery:
            warranties = Contract.create(
                [
                    self._service_warranty_contract_values(origin, customer, lots)
                    for (origin, customer), lots in by_delivery.items()
                ]
            )
            warranties.action_start()

    def _service_warranty_contract_values(self, origin, customer, lots):
        dates = lots.mapped("service_installed_on")
        return {
            "partner_id": customer.id,
            "company_id": (origin.company_id or self.env.company).id,
            "contract_type": "warranty",
            "billing_method": "none",
            "date_start": min(dates),
            "date_end": max(lots.mapped("warranty_end_date")),
            "lot_ids": [Command.set(lots.ids)],
            "note": self.env._(
                "Warranty of the products delivered with %(origin)s.",
                origin=origin.display_name,
            ),
        }
