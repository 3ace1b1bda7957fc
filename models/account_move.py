# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import format_date

from .selections import CONTRACT_READERS, WORK_READERS
from .service_document_mixin import open_action
from .service_write_policy_mixin import BILLING, OFFICER, SALESMAN, SYSTEM, groups

INVOICERS = groups(BILLING, OFFICER, SALESMAN)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "service.write.policy.mixin"]
    # billing users (and the sale and service flows that invoice) link an
    # invoice to its contract period; the interventions are computed
    _write_policy = {
        "service_contract_id": INVOICERS,
        "service_period_start": INVOICERS,
        "service_period_end": INVOICERS,
        "service_intervention_ids": SYSTEM,
        "service_intervention_count": SYSTEM,
    }

    service_contract_id = fields.Many2one(
        "service.contract",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        groups=CONTRACT_READERS,
    )
    service_period_start = fields.Date(copy=False, readonly=True)
    service_period_end = fields.Date(copy=False, readonly=True)
    service_intervention_ids = fields.Many2many(
        "service.intervention",
        compute="_compute_service_intervention_ids",
        compute_sudo=True,
        string="Interventions",
        groups=WORK_READERS,
    )
    service_intervention_count = fields.Integer(
        compute="_compute_service_intervention_ids",
        compute_sudo=True,
        groups=WORK_READERS,
    )

    # the same contract period is never invoiced twice (cancelled invoices aside)
    _service_contract_period_uniq = models.UniqueIndex(
        "(service_contract_id, service_period_start) "
        "WHERE state != 'cancel' AND service_contract_id IS NOT NULL",
        "This contract period is already invoiced.",
    )

    @api.depends("invoice_line_ids.service_intervention_line_ids")
    def _compute_service_intervention_ids(self):
        for move in self:
            interventions = (
                move.invoice_line_ids.service_intervention_line_ids.intervention_id
            )
            move.service_intervention_ids = interventions
            move.service_intervention_count = len(interventions)

    def write(self, vals):
        released = self.browse()
        if vals.get("state") == "cancel":
            # any invoice user may cancel: the contract link is read as admin
            released = self.sudo().filtered(
                lambda m: m.service_contract_id and m.state != "cancel"
            )
        result = super().write(vals)
        released.with_env(self.env)._service_release_periods()
        return result

    @api.ondelete(at_uninstall=False)
    def _service_unlink_release_periods(self):
        self.sudo().filtered(
            lambda m: m.service_contract_id and m.state != "cancel"
        ).with_env(self.env)._service_release_periods()

    def _service_release_periods(self):
        """A cancelled or deleted invoice makes its contract period billable
        again: the contract's next invoice date goes back to it."""
        for move in self.sudo().filtered("service_period_start"):
            contract = move.service_contract_id
            due = move.service_period_start
            if contract.recurring_invoicing_mode == "in_arrears":
                due = due + contract._interval_delta()
            if not contract.next_invoice_date or due < contract.next_invoice_date:
                contract.next_invoice_date = due
                contract.message_post(
                    body=self.env._(
                        "Invoice %(invoice)s cancelled: the period from %(date)s is "
                        "billable again.",
                        invoice=move.name
                        if move.name not in (False, "/")
                        else (move.display_name),
                        date=format_date(self.env, move.service_period_start),
                    )
                )

    def action_view_service_contract(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "service.contract",
            "res_id": self.service_contract_id.id,
            "view_mode": "form",
        }

    def action_view_service_interventions(self):
        self.ensure_one()
        return open_action(
            self.env,
            "service_management.action_service_intervention",
            [("id", "in", self.service_intervention_ids.ids)],
            {"create": False},
        )
