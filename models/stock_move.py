# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        if not self.env.context.get("service_skip_installed_base"):
            moves._service_register_installed_base()
        return moves

    def _service_register_installed_base(self):
        """Register the serials these done moves delivered to (or took back
        from) customers in the installed base."""
        lines = self.move_line_ids.filtered(
            lambda line: line.lot_id and line.product_id.service_installed_base
        )
        if not lines:
            return
        lots = self.env["stock.lot"].sudo()
        events = lots._service_events_from_move_lines(lines)
        lots._service_apply_events(events)
