# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command
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

    # the same contract period is never invoiced (or credited) twice,
    # cancelled invoices aside
    _service_contract_period_type_uniq = models.UniqueIndex(
        "(service_contract_id, service_period_start, move_type) "
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
        released = self._service_released_by(vals)
        result = super().write(vals)
        released.with_env(self.env)._service_release_periods()
        return result

    def _service_released_by(self, vals):
        """The contract invoices ``vals`` cancels: their periods are due again."""
        if vals.get("state") != "cancel":
            return self.browse()
        # any invoice user may cancel: the contract link is read as admin
        return self.sudo().filtered(
            lambda m: m.service_contract_id and m.state != "cancel"
        )

    @api.ondelete(at_uninstall=False)
    def _service_unlink_release_periods(self):
        self.sudo().filtered(
            lambda m: m.service_contract_id and m.state != "cancel"
        ).with_env(self.env)._service_release_periods()

    def _service_release_periods(self):
        """A cancelled or deleted invoice makes its contract period billable
        again: the contract's last invoiced day goes back before it and its
        next invoice date to when that period is due."""
        invoices = self.sudo().filtered(
            lambda m: m.service_period_start and m.move_type == "out_invoice"
        )
        for move in invoices:
            contract = move.service_contract_id._service_trusted()
            before = move.service_period_start - relativedelta(days=1)
            if contract.invoiced_until and contract.invoiced_until > before:
                contract.with_context(tracking_disable=True).write(
                    {
                        "invoiced_until": before
                        if before >= contract.date_start
                        else False
                    }
                )
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
        # deleted invoices are still there: they no longer count
        invoices.service_contract_id.with_context(
            service_released_move_ids=invoices.ids
        )._reset_next_invoice_date()

    def _service_prepare_credit_values(self):
        """The credit note of the days of this contract invoice after its
        contract's end (closed early): each line credited pro rata of the
        days it billed, with its own taxes and accounts
        (``account.move.line._service_prepare_credit_line_values``)."""
        self.ensure_one()
        contract = self.service_contract_id
        first = max(
            self.service_period_start, contract.date_end + relativedelta(days=1)
        )
        billed_days = (self.service_period_end - self.service_period_start).days + 1
        credited_days = (self.service_period_end - first).days + 1
        label = self._service_credit_label(first)
        products = self.invoice_line_ids.filtered(
            lambda move_line: move_line.display_type == "product"
        )
        return {
            "move_type": "out_refund",
            "partner_id": self.partner_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_user_id": self.invoice_user_id.id,
            "invoice_origin": contract.name,
            "reversed_entry_id": self.id if self.state == "posted" else False,
            "service_contract_id": contract.id,
            "service_period_start": first,
            "service_period_end": self.service_period_end,
            "invoice_line_ids": [
                Command.create(
                    line._service_prepare_credit_line_values(
                        label, credited_days, billed_days
                    )
                )
                for line in products
            ],
        }

    def _service_credit_label(self, first):
        """What the credit note's lines say, in the customer's language."""
        self.ensure_one()
        contract = self.service_contract_id
        reader_env = self.env["service.invoicing"]._reader_env(self.partner_id)
        return reader_env._(
            "Credit for %(start)s–%(end)s: contract %(contract)s closed on %(date)s",
            start=format_date(reader_env, first),
            end=format_date(reader_env, self.service_period_end),
            contract=contract.name,
            date=format_date(reader_env, contract.date_end),
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
