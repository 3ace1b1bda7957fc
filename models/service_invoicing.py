# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import logging
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, float_round, format_amount, format_date, split_every

_logger = logging.getLogger(__name__)

# what creating or posting one invoice is expected to fail with (bad data,
# rights, the unique index of contract periods): reported on the document
# while the others go on; anything else is a bug and stops the run
INVOICING_ERRORS = (UserError, ValidationError, AccessError, IntegrityError)


class ServiceInvoicing(models.AbstractModel):
    """Both invoicing flows of the add-on: periodic fees of due contracts and
    executed work of done interventions. Called by the scheduled actions, the
    buttons and the wizard; exactly once thanks to row locks, a unique index
    on (contract, period start) and markers moved with the invoices."""

    _name = "service.invoicing"
    _description = "Service Invoicing"

    # ------------------------------------------------------------------
    # Shared helpers
    # ------------------------------------------------------------------
    @api.model
    def _lock_rows(self, model, ids):
        """Lock the rows of ``ids`` that no other transaction is invoicing,
        and return their ids (the others are left to that transaction)."""
        if not ids:
            return []
        table = self.env[model]._table
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
                SQL.identifier(table),
                tuple(ids),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _locked_batches(self, model, domain, order, batch_size, commit):
        """Yield the records of ``domain`` batch by batch, each locked against
        other workers (those locked elsewhere are skipped); with ``commit``,
        commit the batch and report the cron's progress once it is processed,
        so a failure loses at most one batch and a rerun resumes."""
        Model = self.env[model]
        ids = Model.search(domain, order=order).ids
        remaining = len(ids)
        for batch_ids in split_every(batch_size, ids):
            locked = Model.browse(self._lock_rows(model, list(batch_ids)))
            # another worker may have invoiced them just before the lock
            locked.invalidate_recordset()
            yield locked
            remaining -= len(batch_ids)
            if commit:
                self.env["ir.cron"]._commit_progress(
                    len(batch_ids), remaining=remaining
                )

    @api.model
    def _finish_batch(self, created, failed, post, errors, post_errors=None):
        self._report_errors(failed)
        if errors is not None:
            errors.update(failed)
        self._post_invoices(created, post, post_errors)
        return created

    @api.model
    def _create_invoices(self, vals_list, records, on_created, label):
        """Create the invoices of a batch in one ``create``; if that fails,
        find the failing records one by one so the others are invoiced.

        :param vals_list: list of (record, [invoice values]) pairs
        :param on_created: callback(records) run in the same savepoint, to move
            the markers of what was invoiced
        :return: (created moves, {record: error message})
        """
        Move = self.env["account.move"].with_context(
            default_move_type="out_invoice", tracking_disable=True
        )
        try:
            with self.env.cr.savepoint():
                moves = Move.create([vals for __, vals in vals_list])
                on_created(records)
            return moves, {}
        except INVOICING_ERRORS:
            _logger.info("batch invoicing failed, retrying %s one by one", label)
        moves = Move.browse()
        errors = {}
        by_record = defaultdict(list)
        for record, vals in vals_list:
            by_record[record].append(vals)
        for record, record_vals in by_record.items():
            try:
                with self.env.cr.savepoint():
                    moves |= Move.create(record_vals)
                    on_created(record)
            except INVOICING_ERRORS as error:
                errors[record] = str(error)
                _logger.warning("service invoicing of %s failed: %s", record, error)
        return moves, errors

    @api.model
    def _report_errors(self, errors):
        """Log the failures on the documents' chatter. Whoever invoices may
        only read the contracts and interventions: the note is posted as
        admin, in the name of the user."""
        for record, message in errors.items():
            record.sudo().message_post(
                body=self.env._("Automatic invoicing failed: %(error)s", error=message),
                author_id=self.env.user.partner_id.id,
            )

    @api.model
    def _log_notes(self, notes):
        """Internal notes on the documents' chatter (as admin, see above)."""
        for record, body in notes.items():
            record.sudo()._message_log(body=body, author_id=self.env.user.partner_id.id)

    @api.model
    def _post_invoices(self, moves, post, post_errors=None):
        """Post the created invoices: all of them when asked, else those
        without warning when the company posts automatically.

        An invoice that cannot be posted stays in draft; the others are
        posted. Its failure is logged on the invoice and on its contract or
        interventions, and added to ``post_errors`` ({move: message}).
        """
        if post is None:
            to_post = moves.filtered(
                lambda m: (
                    m.company_id.service_invoice_auto_post
                    and not self._invoice_warnings(m)
                )
            )
        elif post:
            to_post = moves
        else:
            return
        if not to_post:
            return
        try:
            with self.env.cr.savepoint():
                to_post.action_post()
            return
        except INVOICING_ERRORS:
            _logger.info(
                "posting %s invoices failed, retrying one by one", len(to_post)
            )
        failed = {}
        for move in to_post:
            try:
                with self.env.cr.savepoint():
                    move.action_post()
            except INVOICING_ERRORS as error:
                failed[move] = str(error)
                _logger.warning("posting service invoice %s failed: %s", move, error)
        self._report_post_errors(failed)
        if post_errors is not None:
            post_errors.update(failed)

    @api.model
    def _report_post_errors(self, failed):
        for move, message in failed.items():
            invoice = move.sudo()
            body = self.env._(
                "Invoice %(invoice)s could not be posted and stays in draft: %(error)s",
                invoice=invoice.display_name,
                error=message,
            )
            documents = invoice.service_contract_id or invoice.service_intervention_ids
            for record in [invoice, *documents]:
                record.message_post(body=body, author_id=self.env.user.partner_id.id)

    @api.model
    def _invoice_warnings(self, move):
        """Reasons to look at an invoice before sending it."""
        warnings = []
        if move.currency_id.compare_amounts(move.amount_untaxed, 0) <= 0:
            warnings.append(self.env._("zero or negative amount"))
        for line in move.invoice_line_ids.filtered(lambda line: not line.display_type):
            if not line.account_id:
                warnings.append(
                    self.env._(
                        "no income account for %(product)s",
                        product=line.product_id.display_name or line.name,
                    )
                )
        company_country = move.company_id.account_fiscal_country_id
        partner_country = move.partner_id.commercial_partner_id.country_id
        if (
            partner_country
            and company_country
            and partner_country != company_country
            and not move.fiscal_position_id
        ):
            warnings.append(self.env._("foreign customer without fiscal position"))
        contract = move.service_contract_id
        if contract and move.service_period_start:
            previous = self.env["account.move"].search(
                [
                    ("service_contract_id", "=", contract.id),
                    ("state", "!=", "cancel"),
                    ("service_period_start", "<", move.service_period_start),
                ],
                order="service_period_start desc",
                limit=1,
            )
            threshold = move.company_id.service_invoice_warning_threshold
            if previous and previous.amount_untaxed and threshold:
                change = abs(move.amount_untaxed - previous.amount_untaxed) / abs(
                    previous.amount_untaxed
                )
                if change * 100 > threshold:
                    warnings.append(
                        self.env._(
                            "amount differs by %(pct)s%% from the previous period",
                            pct=round(change * 100),
                        )
                    )
            if contract.date_end and move.service_period_end == contract.date_end:
                warnings.append(self.env._("the contract ends within this period"))
        return warnings

    # ------------------------------------------------------------------
    # Contracts due
    # ------------------------------------------------------------------
    @api.model
    def _due_contract_domain(self, date, contracts=None, partners=None):
        domain = Domain(
            [
                ("state", "in", ("running", "expired", "closed")),
                ("billing_method", "=", "flat_rate"),
                ("next_invoice_date", "!=", False),
                ("next_invoice_date", "<=", date),
            ]
        )
        if contracts:
            domain &= Domain("id", "in", contracts.ids)
        if partners:
            domain &= Domain("partner_id", "child_of", partners.ids)
        return domain

    @api.model
    def _contract_periods(self, contract, date):
        """The periods of ``contract`` due on ``date``, oldest first, and the
        next invoice date after them.

        :return: ([{start, end, invoice_date, ratio, days, period_days}],
            next_invoice_date); ``days`` of ``period_days`` are billed when a
            last partial period is pro-rated (``ratio`` < 1), else both are None
        """
        delta = contract._interval_delta()
        next_date = contract.next_invoice_date
        prorata = contract.company_id.service_invoice_prorata
        periods = []
        while next_date:
            in_advance = contract.recurring_invoicing_mode == "in_advance"
            start = next_date if in_advance else next_date - delta
            end = start + delta - relativedelta(days=1)
            ratio, days, period_days = 1.0, None, None
            due = next_date
            if contract.date_end and start > contract.date_end:
                break  # never beyond the end of the contract
            if contract.date_end and end > contract.date_end:
                if prorata:
                    days = (contract.date_end - start).days + 1
                    period_days = (end - start).days + 1
                    ratio = days / period_days
                end = contract.date_end
                if not in_advance:
                    due = end + relativedelta(days=1)
            if due > date:
                break
            periods.append(
                {
                    "start": start,
                    "end": end,
                    "invoice_date": due,
                    "ratio": ratio,
                    "days": days,
                    "period_days": period_days,
                }
            )
            next_date = next_date + delta
        return periods, next_date

    @api.model
    def _contract_line_price_unit(self, line, period):
        """The unit price of a fee line for ``period``. A pro-rated period
        scales the price and keeps the quantity: the amount is exact to the
        cent for a unit quantity (a quantity scaled instead is rounded to the
        unit precision: 15/31 of one unit, 0.48, bills 62.40 of a fee of 130
        instead of 62.90). The price is rounded to the Product Price precision,
        as the invoice line stores it."""
        if period["ratio"] == 1.0:
            return line.price_unit
        digits = self.env["decimal.precision"].precision_get("Product Price")
        return float_round(line.price_unit * period["ratio"], precision_digits=digits)

    @api.model
    def _contract_period_amount(self, contract, period):
        """The untaxed amount the invoice of ``period`` would bill."""
        currency = contract.currency_id
        return sum(
            currency.round(
                line.quantity
                * self._contract_line_price_unit(line, period)
                * (1 - line.discount / 100.0)
            )
            for line in contract.line_ids
        )

    @api.model
    def _format_period(self, period, env=None):
        env = env or self.env
        return "{}–{}".format(
            format_date(env, period["start"]), format_date(env, period["end"])
        )

    @api.model
    def _check_contract_fee(self, contract, index=None):
        """A flat-rate contract bills its fee every period: it cannot start or
        renew with a fee of zero or less (it would bill nothing, or credit
        the customer on invoices).

        :param index: renewal with this price index (%), None when starting
        """
        if contract.billing_method != "flat_rate" or not contract.line_ids:
            return  # without fee lines, the contract's constraint tells
        currency = contract.currency_id
        if index:
            amount = sum(
                currency.round(
                    line.quantity
                    * currency.round(line.price_unit * (1 + index / 100.0))
                    * (1 - line.discount / 100.0)
                )
                for line in contract.line_ids
            )
        else:
            amount = contract.amount_untaxed
        if currency.compare_amounts(amount, 0) > 0:
            return
        values = {
            "name": contract.display_name,
            "amount": format_amount(self.env, amount, currency),
        }
        if index is not None:
            raise UserError(
                self.env._(
                    "Contract %(name)s cannot be renewed: it is billed at a flat "
                    "rate and its fee per period would be %(amount)s. Give it fee "
                    "lines with a positive total first.",
                    **values,
                )
            )
        raise UserError(
            self.env._(
                "Contract %(name)s cannot start: it is billed at a flat rate and "
                "its fee per period is %(amount)s. Enter fee lines with a "
                "positive total first.",
                **values,
            )
        )

    @api.model
    def _move_contract_markers(self, next_dates, contracts):
        """Move the next invoice date of the invoiced contracts, one write per
        date (bookkeeping of the invoicing itself: accountants run it too)."""
        by_date = defaultdict(list)
        for contract in contracts:
            by_date[next_dates[contract]].append(contract.id)
        for next_date, contract_ids in by_date.items():
            self.env["service.contract"].sudo().browse(contract_ids).write(
                {"next_invoice_date": next_date}
            )

    @api.model
    def _invoiced_periods(self, contracts):
        """{(contract id, period start)} already on a non-cancelled invoice."""
        if not contracts:
            return set()
        groups = self.env["account.move"]._read_group(
            [
                ("service_contract_id", "in", contracts.ids),
                ("state", "!=", "cancel"),
                ("service_period_start", "!=", False),
            ],
            ["service_contract_id", "service_period_start:day"],
        )
        return {(contract.id, fields.Date.to_date(start)) for contract, start in groups}

    @api.model
    def _prepare_contract_invoice(self, contract, period):
        partner = contract.partner_invoice_id or contract.partner_id
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "partner_shipping_id": contract.partner_shipping_id.id,
            "company_id": contract.company_id.id,
            "currency_id": contract.currency_id.id,
            "fiscal_position_id": contract.fiscal_position_id.id,
            "invoice_payment_term_id": contract.payment_term_id.id,
            "invoice_user_id": contract.user_id.id,
            "invoice_date": period["invoice_date"],
            "invoice_origin": contract.name,
            "service_contract_id": contract.id,
            "service_period_start": period["start"],
            "service_period_end": period["end"],
            "invoice_line_ids": [
                Command.create(self._prepare_contract_invoice_line(line, period))
                for line in contract.line_ids
            ],
        }

    @api.model
    def _prepare_contract_invoice_line(self, line, period):
        lang_env = self.env(
            context=dict(self.env.context, lang=line.contract_id.partner_id.lang)
        )
        name = f"{line.name} {self._format_period(period, lang_env)}"
        if period["ratio"] != 1.0:
            name += " " + lang_env._(
                "(%(days)s/%(period_days)s days)",
                days=period["days"],
                period_days=period["period_days"],
            )
        return {
            "product_id": line.product_id.id,
            "name": name,
            "quantity": line.quantity,
            "product_uom_id": line.uom_id.id,
            "price_unit": self._contract_line_price_unit(line, period),
            "discount": line.discount,
            "tax_ids": [Command.set(line.tax_ids.ids)],
            "service_contract_id": line.contract_id.id,
        }

    @api.model
    def _invoice_contracts(
        self,
        date=None,
        contracts=None,
        partners=None,
        batch_size=200,
        commit=False,
        post=None,
        errors=None,
        post_errors=None,
    ):
        """Invoice every due period of the due flat-rate contracts.

        A period with nothing to bill (a fee of zero) gets no invoice: it is
        settled all the same, the next invoice date moves past it and a note
        says so on the contract. A closed or expired contract without fee
        lines will never bill anything: its next invoice date is cleared (set
        it again after adding fee lines). A negative fee is an error, reported
        like a failing invoice; the contract is not invoiced, and its next
        invoice date stays, until its fee lines are fixed.

        :param commit: commit after each batch (scheduled action)
        :param post: True posts all, False none, None follows the company setting
        :param errors: dict filled with {contract: message} of those that
            cannot be invoiced
        :param post_errors: dict filled with {invoice: message} of the invoices
            left in draft because they could not be posted
        :return: the created invoices
        """
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        moves = self.env["account.move"]
        Contract = self.env["service.contract"]
        for locked in self._locked_batches(
            "service.contract",
            self._due_contract_domain(date, contracts, partners),
            "next_invoice_date, id",
            batch_size,
            commit,
        ):
            due = locked.filtered_domain(self._due_contract_domain(date))
            invoiced = self._invoiced_periods(due)
            vals_list, next_dates, failed, notes = [], {}, {}, {}
            for contract in due:
                periods, next_date = self._contract_periods(contract, date)
                if not periods:
                    continue
                if not contract.line_ids and contract.state != "running":
                    next_dates[contract] = False
                    notes[contract] = self.env._(
                        "Contract without fee lines: nothing to invoice, automatic "
                        "invoicing stops. Set the next invoice date again after "
                        "adding fee lines."
                    )
                    continue
                to_bill, nothing = [], []
                for period in periods:
                    # a period billable again after a cancellation sits before
                    # periods that are still invoiced: skip those
                    if (contract.id, period["start"]) in invoiced:
                        continue
                    amount = self._contract_period_amount(contract, period)
                    sign = contract.currency_id.compare_amounts(amount, 0)
                    if sign < 0:
                        failed[contract] = self.env._(
                            "the fee of contract %(name)s for %(period)s is negative "
                            "(%(amount)s): correct its fee lines.",
                            name=contract.display_name,
                            period=self._format_period(period),
                            amount=format_amount(
                                self.env, amount, contract.currency_id
                            ),
                        )
                        break
                    (to_bill if sign > 0 else nothing).append(period)
                if contract in failed:
                    continue
                next_dates[contract] = next_date
                if nothing:
                    notes[contract] = self.env._(
                        "No invoice for %(periods)s: the fee is zero.",
                        periods=", ".join(map(self._format_period, nothing)),
                    )
                vals_list += [
                    (contract, self._prepare_contract_invoice(contract, period))
                    for period in to_bill
                ]
            billed = Contract.union(*(contract for contract, __ in vals_list))
            # nothing to create for the others: their markers move at once
            self._move_contract_markers(
                next_dates, Contract.union(*next_dates) - billed
            )
            created, create_failed = self._create_invoices(
                vals_list,
                billed,
                functools.partial(self._move_contract_markers, next_dates),
                "contracts",
            )
            failed.update(create_failed)
            self._log_notes(
                {c: note for c, note in notes.items() if c not in create_failed}
            )
            moves |= self._finish_batch(created, failed, post, errors, post_errors)
        return moves

    # ------------------------------------------------------------------
    # Executed work
    # ------------------------------------------------------------------
    @api.model
    def _work_domain(self, date, interventions=None, partners=None):
        domain = Domain(
            [
                ("invoice_status", "=", "to_invoice"),
                ("intervention_id.state", "=", "done"),
                ("date", "<=", date),
            ]
        )
        if interventions:
            domain &= Domain("intervention_id", "in", interventions.ids)
        if partners:
            domain &= Domain("intervention_id.partner_id", "child_of", partners.ids)
        return domain

    @api.model
    def _work_group_key(self, line):
        intervention = line.intervention_id
        if intervention.company_id.service_work_invoice_grouping == "customer":
            return (
                intervention.partner_invoice_id,
                intervention.currency_id,
                intervention.company_id,
            )
        return (intervention,)

    @api.model
    def _work_fiscal_position(self, intervention):
        partner = intervention.partner_invoice_id or intervention.partner_id
        return (
            self.env["account.fiscal.position"]
            .with_company(intervention.company_id or self.env.company)
            ._get_fiscal_position(partner, delivery=intervention.partner_shipping_id)
        )

    @api.model
    def _work_line_taxes(self, line, fiscal_position=None):
        """The taxes of the invoice line of ``line``. Without
        ``fiscal_position``, the intervention's is looked up only when a tax
        is price-included (others do not change the untaxed amount)."""
        company = line.intervention_id.company_id or self.env.company
        taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
        if fiscal_position is None:
            if not any(taxes.flatten_taxes_hierarchy().mapped("price_include")):
                return taxes
            fiscal_position = self._work_fiscal_position(line.intervention_id)
        return fiscal_position.map_tax(taxes)

    @api.model
    def _work_line_discount(self, line):
        """The discount of the invoice line of ``line``: the covered share is
        a discount on top of the line's own discount, rounded to the Discount
        precision the invoice line stores."""
        discount = 100 - (100 - line.discount) * (100 - line.coverage_pct) / 100
        digits = self.env["decimal.precision"].precision_get("Discount")
        return float_round(discount, precision_digits=digits)

    @api.model
    def _work_base_line(self, line):
        """The accounting engine's view of the invoice line of ``line``: the
        values that invoice line will receive."""
        return self.env["account.tax"]._prepare_base_line_for_taxes_computation(
            None,
            price_unit=line.price_unit,
            quantity=line.quantity,
            discount=self._work_line_discount(line),
            currency_id=line.currency_id
            or (line.intervention_id.company_id or self.env.company).currency_id,
            product_id=line.product_id,
            product_uom_id=line.uom_id or line.product_id.uom_id,
            tax_ids=self._work_line_taxes(line),
        )

    @api.model
    def _work_lines_subtotals(self, lines):
        """{line: what the customer pays for it}, for the billable ``lines``:
        the untaxed amount its invoice line will bill, to the cent.

        The accounting engine computes it from the values the invoice lines
        receive, for all the billable lines of the intervention together, as
        the intervention's invoice does: each line is rounded, and under the
        company's "Round per Tax" method the invoice also rounds its untaxed
        total and spreads the difference over its lines (their balance). So
        the invoice of an intervention bills exactly its "Customer Pays"
        amount. Grouped with other interventions in one invoice per customer,
        the invoice total may still differ from their sum by that rounding.
        """
        AccountTax = self.env["account.tax"]
        billable = lines.filtered("billable")
        result = {}
        groups = defaultdict(lambda: lines.browse())
        for line in billable:
            groups[line.intervention_id] |= line
        for intervention, group in groups.items():
            siblings = (intervention.line_ids | group).filtered("billable")
            company = intervention.company_id or self.env.company
            base_lines = [self._work_base_line(line) for line in siblings]
            AccountTax._add_tax_details_in_base_lines(base_lines, company)
            AccountTax._round_base_lines_tax_details(base_lines, company)
            for line, base_line in zip(siblings, base_lines, strict=True):
                details = base_line["tax_details"]
                result[line] = base_line["currency_id"].round(
                    details["total_excluded_currency"]
                    + details["delta_total_excluded_currency"]
                )
        return result

    @api.model
    def _prepare_work_invoice(self, lines):
        intervention = lines.intervention_id[:1]
        partner = intervention.partner_invoice_id or intervention.partner_id
        company = intervention.company_id
        fiscal_position = self._work_fiscal_position(intervention)
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "partner_shipping_id": intervention.partner_shipping_id.id,
            "company_id": company.id,
            "currency_id": intervention.currency_id.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_payment_term_id": partner.with_company(
                company
            ).property_payment_term_id.id,
            # the intervention's responsible, not whoever runs the invoicing
            "invoice_user_id": intervention.user_id.id,
            "invoice_origin": ", ".join(lines.intervention_id.mapped("name")),
            "invoice_line_ids": [
                Command.create(self._prepare_work_invoice_line(line, fiscal_position))
                for line in lines
            ],
        }

    @api.model
    def _prepare_work_invoice_line(self, line, fiscal_position):
        intervention = line.intervention_id
        lang_env = self.env(
            context=dict(self.env.context, lang=intervention.partner_id.lang)
        )
        # the invoicing user reads the work lines (checked by the caller); the
        # serials and technicians they name are read as admin (billing users
        # may not read employees)
        described = line.sudo()
        parts = [intervention.name]
        if described.object_id.lot_id:
            parts.append(
                f"{described.object_id.product_id.name} "
                f"({described.object_id.lot_id.name})"
            )
        parts.append(format_date(lang_env, line.date))
        if described.employee_id:
            parts.append(described.employee_id.name)
        name = " – ".join(parts) + f": {line.name}"
        if line.coverage_pct:
            name += f" ({line.coverage_reason})"
        return {
            "product_id": line.product_id.id,
            "name": name,
            "quantity": line.quantity,
            "product_uom_id": (line.uom_id or line.product_id.uom_id).id,
            "price_unit": line.price_unit,
            "discount": self._work_line_discount(line),
            "tax_ids": [Command.set(self._work_line_taxes(line, fiscal_position).ids)],
            "service_intervention_line_ids": [Command.set(line.ids)],
        }

    @api.model
    def _invoice_work(
        self,
        date=None,
        interventions=None,
        partners=None,
        batch_size=500,
        commit=False,
        post=None,
        errors=None,
        post_errors=None,
    ):
        """Invoice the billable, not yet invoiced lines of done interventions.

        :param errors: dict filled with {intervention: message} of those that
            cannot be invoiced
        :param post_errors: dict filled with {invoice: message} of the invoices
            left in draft because they could not be posted
        :return: the created invoices
        """
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        moves = self.env["account.move"]
        for locked in self._locked_batches(
            "service.intervention.line",
            self._work_domain(date, interventions, partners),
            "intervention_id, sequence, id",
            batch_size,
            commit,
        ):
            lines = locked.filtered(lambda line: line.invoice_status == "to_invoice")
            lines.check_access("read")
            groups = defaultdict(self.env["service.intervention.line"].browse)
            for line in lines:
                groups[self._work_group_key(line)] |= line
            vals_list = [
                (group.intervention_id[:1], self._prepare_work_invoice(group))
                for group in groups.values()
            ]
            created, failed = self._create_invoices(
                vals_list, lines.intervention_id, lambda records: None, "work"
            )
            moves |= self._finish_batch(created, failed, post, errors, post_errors)
        return moves

    # ------------------------------------------------------------------
    # Scheduled actions and preview
    # ------------------------------------------------------------------
    @api.model
    def _cron_invoice_contracts(self, date=None):
        return self._invoice_contracts(date=date, commit=True)

    @api.model
    def _cron_invoice_work(self, date=None):
        return self._invoice_work(date=date, commit=True)

    @api.model
    def _preview(
        self, date, contracts=None, partners=None, flows=("contracts", "work")
    ):
        """What would be invoiced, without creating anything: the invoices are
        built in a savepoint that is rolled back.

        :return: list of dicts (partner, origin, period, amount, currency, warnings)
        """
        result = []
        errors = {}
        with self.env.cr.savepoint(flush=True) as savepoint:
            moves = self.env["account.move"]
            if "contracts" in flows:
                moves |= self._invoice_contracts(
                    date=date,
                    contracts=contracts,
                    partners=partners,
                    post=False,
                    errors=errors,
                )
            if "work" in flows:
                moves |= self._invoice_work(
                    date=date, partners=partners, post=False, errors=errors
                )
            for move in moves:
                result.append(
                    {
                        "partner_id": move.partner_id.id,
                        "kind": "contract" if move.service_contract_id else "work",
                        "contract_id": move.service_contract_id.id,
                        "origin": move.invoice_origin,
                        "period_start": move.service_period_start,
                        "period_end": move.service_period_end,
                        "amount_untaxed": move.amount_untaxed,
                        "amount_total": move.amount_total,
                        "currency_id": move.currency_id.id,
                        "warnings": "; ".join(self._invoice_warnings(move)),
                    }
                )
            for record, message in errors.items():
                partner = record.partner_id
                result.append(
                    {
                        "partner_id": partner.id,
                        "kind": "contract"
                        if record._name == "service.contract"
                        else "work",
                        "contract_id": record.id
                        if record._name == "service.contract"
                        else False,
                        "origin": record.name,
                        "period_start": False,
                        "period_end": False,
                        "amount_untaxed": 0.0,
                        "amount_total": 0.0,
                        "currency_id": record.currency_id.id,
                        "warnings": self.env._("cannot be invoiced: %s", message),
                    }
                )
            savepoint.rollback()
        self.env.invalidate_all()
        return result
