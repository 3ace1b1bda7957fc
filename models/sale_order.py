# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command

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
        counts = dict(
            self.env["service.contract"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
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
        vals_list, lines_list, revived = [], [], {}
        for order in self:
            groups = defaultdict(lambda: self.env["sale.order.line"])
            for line in order.order_line:
                contract = line.service_contract_id
                if (
                    line.display_type
                    or not line.product_id.service_contract_product
                    or (contract and contract.state != "cancelled")
                ):
                    continue
                groups[order._service_contract_key(line)] |= line
            for key, lines in groups.items():
                values = order._service_prepare_contract_values(key, lines)
                former = lines.service_contract_id.sudo().filtered(
                    lambda c: c.state == "cancelled" and not c.invoice_ids
                )[:1]
                if former:
                    revived[former] = (values, lines)
                else:
                    vals_list.append(values)
                    lines_list.append(lines)
        # a side effect of a confirmation the user may do: the contract is
        # created as admin (a salesman may not read the protocols it plans),
        # with the confirming user as author of its messages
        Contract = self.env["service.contract"].sudo()
        contracts = Contract.create(vals_list)
        for contract, lines in zip(contracts, lines_list, strict=True):
            lines.sudo().service_contract_id = contract
        for contract, (values, lines) in revived.items():
            contract.action_draft()
            contract._service_trusted().write(
                dict(values, line_ids=[Command.clear()] + values["line_ids"])
            )
            lines.sudo().service_contract_id = contract
            contracts |= contract
        auto = contracts.filtered(lambda c: c.company_id.service_contract_auto_start)
        # a flat rate sold at no charge stays a draft to complete, the order
        # is confirmed all the same
        free = auto.filtered(
            lambda c: (
                c.billing_method == "flat_rate"
                and c.currency_id.compare_amounts(c.amount_untaxed, 0) <= 0
            )
        )
        (auto - free).action_start()
        for contract in free:
            contract.message_post(
                body=self.env._(
                    "Left in draft: its fee per period is not positive. Enter the "
                    "fees, then start it."
                )
            )
        return contracts.with_env(self.env)

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
        self.ensure_one()
        contract_type, billing, interval_number, interval_type, duration = key
        date_start = fields.Date.to_date(
            fields.Datetime.context_timestamp(
                self, self.commitment_date or self.date_order
            )
        )
        date_end = (
            date_start + relativedelta(months=duration, days=-1) if duration else False
        )
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
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": line.name,
                        "quantity": line.product_uom_qty,
                        "uom_id": line.product_uom_id.id,
                        "price_unit": line.price_unit,
                        "discount": line.discount,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                    }
                )
                for line in lines
            ],
        }

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


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "service.write.policy.mixin"]

    # set by the confirmation of the order, never by hand
    _write_policy = {"service_contract_id": SYSTEM}

    # the contract this line sold: it bills the fee, not the order
    service_contract_id = fields.Many2one(
        "service.contract",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    @api.depends("service_contract_id")
    def _compute_qty_to_invoice(self):
        """A line that sold a service contract is invoiced through its
        contract, period by period: nothing to invoice on the order (as OCA
        ``product_contract``), so its fee is never billed twice."""
        result = super()._compute_qty_to_invoice()
        for line in self:
            if line.service_contract_id:
                line.qty_to_invoice = 0.0
        return result

    @api.depends("service_contract_id")
    def _compute_untaxed_amount_to_invoice(self):
        result = super()._compute_untaxed_amount_to_invoice()
        for line in self:
            if line.service_contract_id:
                line.untaxed_amount_to_invoice = 0.0
        return result
