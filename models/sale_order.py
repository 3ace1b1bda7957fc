# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command

from .service_document_mixin import count_by
from .service_write_policy_mixin import SYSTEM


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "service.write.policy.mixin"]
    # contracts are created by the sale's confirmation
    _write_policy = {"service_contract_ids": SYSTEM, "service_contract_count": SYSTEM}

    service_contract_ids = fields.One2many(
        "service.contract", "sale_order_id", string="Service Contracts"
    )
    service_contract_count = fields.Integer(
        compute="_compute_service_contract_count", compute_sudo=True
    )

    @api.depends("service_contract_ids")
    def _compute_service_contract_count(self):
        counts = count_by(self, "service.contract", "sale_order_id")
        for order in self:
            order.service_contract_count = counts.get(order._origin, 0)

    def _action_confirm(self):
        result = super()._action_confirm()
        self._service_create_contracts()
        return result

    def _service_contract_key(self, line):
        template = line.product_id.product_tmpl_id
        return (
            template.service_contract_type,
            template.service_billing_method,
            template.service_recurring_interval_number,
            template.service_recurring_interval_type,
            template.service_contract_duration_months,
        )

    def _service_create_contracts(self):
        """One contract per order and contract configuration of its lines,
        once: every line of a group is linked to its contract, so confirming
        again creates nothing twice; a contract cancelled with its order
        comes back from draft, priced as the order is now."""
        new, revived = self._service_contract_plans()
        # a side effect of a confirmation the user may do: the contract is
        # created as admin (a salesman may not read the protocols it plans),
        # with the confirming user as author of its messages
        contracts = self.env["service.contract"].sudo().create([v for v, __ in new])
        for contract, (__, lines) in zip(contracts, new, strict=True):
            lines.sudo().service_contract_id = contract
        for contract, (values, lines) in revived.items():
            contract.action_draft()
            contract._service_trusted().write(
                dict(values, line_ids=[Command.clear()] + values["line_ids"])
            )
            lines.sudo().service_contract_id = contract
            contracts |= contract
        contracts._auto_start()
        return contracts.with_env(self.env)

    def _service_contract_plans(self):
        """([(contract values, sale lines)] of the contracts to create,
        {cancelled contract: (values, sale lines)} of those to revive)."""
        new, revived = [], {}
        for order in self:
            for key, lines in order._service_contract_groups().items():
                values = order._service_prepare_contract_values(key, lines)
                former = lines.service_contract_id.sudo().filtered(
                    lambda c: c.state == "cancelled" and not c.invoice_ids
                )[:1]
                if former:
                    revived[former] = (values, lines)
                else:
                    new.append((values, lines))
        return new, revived

    def _service_contract_groups(self):
        """{contract configuration: lines} of the order's contract products
        not yet under a live contract."""
        self.ensure_one()
        groups = defaultdict(lambda: self.env["sale.order.line"])
        for line in self.order_line:
            contract = line.service_contract_id
            if (
                line.display_type
                or not line.product_id.service_contract_product
                or (contract and contract.state != "cancelled")
            ):
                continue
            groups[self._service_contract_key(line)] |= line
        return groups

    def _action_cancel(self):
        """Cancel the order's contracts with it when they have billed nothing;
        those already invoiced stay, with a note on the order and on them to
        close or credit them by hand."""
        result = super()._action_cancel()
        contracts = self.sudo().service_contract_ids.filtered(
            lambda c: c.state in ("draft", "running")
        )
        invoiced = contracts.filtered("invoice_ids")
        (contracts - invoiced).action_cancel()
        for contract in invoiced:
            body = self.env._(
                "Order %(order)s was cancelled, but contract %(contract)s already "
                "has invoices: it keeps running. Close it, and credit its invoices "
                "if needed.",
                order=contract.sale_order_id.name,
                contract=contract.name,
            )
            contract.message_post(body=body)
            contract.sale_order_id.message_post(body=body)
        return result

    def _service_prepare_contract_values(self, key, lines):
        """The values of the contract that ``lines`` (sharing the contract
        configuration ``key``) sell; fee lines from
        ``sale.order.line._service_prepare_contract_line_values``."""
        self.ensure_one()
        contract_type, billing, interval_number, interval_type, duration = key
        date_start, date_end = self._service_contract_dates(duration)
        return {
            "partner_id": self.partner_id.id,
            "partner_invoice_id": self.partner_invoice_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "pricelist_id": self.pricelist_id.id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "payment_term_id": self.payment_term_id.id,
            "user_id": self.user_id.id or self.env.user.id,
            "contract_type": contract_type,
            "billing_method": billing,
            "recurring_interval_number": interval_number,
            "recurring_interval_type": interval_type,
            "date_start": date_start,
            "date_end": date_end,
            "renewal_months": duration or 12,
            "sale_order_id": self.id,
            "sale_line_id": lines[:1].id,
            **self._service_prepare_allowance_values(lines),
            "protocol_ids": [
                Command.set(
                    lines.product_id.product_tmpl_id.sudo().service_protocol_id.ids
                )
            ],
            "line_ids": [
                Command.create(line._service_prepare_contract_line_values())
                for line in lines
            ],
        }

    def _service_contract_dates(self, duration):
        """(start, end) of a contract of ``duration`` months (0: no end) sold
        by the order: from the delivery date, else the order date."""
        self.ensure_one()
        date_start = self._service_contract_start()
        if not duration:
            return date_start, False
        return date_start, date_start + relativedelta(months=duration, days=-1)

    def _service_contract_start(self):
        """The local day of the delivery date, else of the order date."""
        return fields.Date.to_date(
            fields.Datetime.context_timestamp(
                self, self.commitment_date or self.date_order
            )
        )

    def _service_prepare_allowance_values(self, lines):
        """Prepaid hours, included visits and response times the sold
        products give the contract: hours and visits add up per unit sold,
        the other terms are those of the first product that sets them."""
        templates = lines.product_id.product_tmpl_id
        hours = sum(
            line.product_id.service_allowance_hours * line.product_uom_qty
            for line in lines
        )
        visits = sum(
            round(line.product_id.service_allowance_visits * line.product_uom_qty)
            for line in lines
        )
        package = templates.filtered(
            lambda t: t.service_allowance_hours or t.service_allowance_visits
        )[:1]
        sla = (
            templates.filtered("service_sla_response_hours")[:1]
            or templates.filtered("service_sla_resolution_hours")[:1]
        )
        return {
            "allowance_hours": hours,
            "allowance_visits": visits,
            "allowance_period": package.service_allowance_period or "period",
            "allowance_rollover": package.service_allowance_rollover,
            "sla_response_hours": sla.service_sla_response_hours,
            "sla_resolution_hours": sla.service_sla_resolution_hours,
        }

    def action_view_service_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "service_management.action_service_contract"
        )
        if len(self.service_contract_ids) == 1:
            action.update(
                res_id=self.service_contract_ids.id,
                view_mode="form",
                views=[(False, "form")],
            )
        else:
            action["domain"] = [("sale_order_id", "=", self.id)]
        return action
