# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import logging
from collections import defaultdict

from psycopg2 import IntegrityError
from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import (
    SQL,
    float_round,
    format_amount,
    format_date,
    get_lang,
    split_every,
)

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
    def _locked_batches(self, model, domain, order, batch_size, commit, key=None):
        """Yield the records of ``domain`` batch by batch, each locked against
        other workers (those another transaction holds are skipped: that one
        invoices them).

        With ``key`` (a function of a record), records of the same key are
        never split over two batches (a batch holds whole groups, so it may
        exceed ``batch_size`` by one group): the lines of one invoice are
        invoiced together.

        With ``commit`` (scheduled actions), each processed batch is committed
        with the cron's progress, so a failure loses at most one batch; the
        loop stops when the cron's time is spent, and the cron, told what
        remains, runs again at once for the rest.
        """
        records = self.env[model].search(domain, order=order)
        remaining = len(records)
        if commit:
            self.env["ir.cron"]._commit_progress(remaining=remaining)
        for batch_ids in self._batch_ids(records, batch_size, key):
            locked = self._try_lock(records.browse(batch_ids))
            # another worker may have invoiced them just before the lock
            locked.invalidate_recordset()
            yield locked
            remaining -= len(batch_ids)
            if not commit:
                continue
            time_left = self.env["ir.cron"]._commit_progress(
                len(batch_ids), remaining=remaining
            )
            if remaining and not time_left:
                _logger.info(
                    "service invoicing: time is up, %s %s left for the next run",
                    remaining,
                    model,
                )
                break

    @api.model
    def _try_lock(self, records):
        """The records of ``records`` this transaction could lock, skipping
        those another worker holds (``FOR UPDATE SKIP LOCKED``, as
        ``try_lock_for_update``) and those another worker changed and
        committed since this transaction began: PostgreSQL refuses to lock
        them (a serialisation failure) and that worker invoiced them."""
        if not records:
            return records
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id IN %s FOR UPDATE SKIP LOCKED",
                        SQL.identifier(records._table),
                        tuple(records.ids),
                    ),
                    log_exceptions=False,
                )
                ids = {row[0] for row in self.env.cr.fetchall()}
        except SerializationFailure:
            _logger.info(
                "service invoicing: %s %s changed by another worker, skipped",
                len(records),
                records._name,
            )
            return records.browse()
        return records.filtered(lambda record: record.id in ids)

    @api.model
    def _batch_ids(self, records, batch_size, key=None):
        """Ids of ``records`` in batches of about ``batch_size``; with ``key``,
        whole groups of records sharing a key, in the order of their first
        record."""
        if key is None:
            return list(split_every(batch_size, records.ids))
        groups = defaultdict(list)
        for record in records:
            groups[key(record)].append(record.id)
        batches, current = [], []
        for ids in groups.values():
            current.extend(ids)
            if len(current) >= batch_size:
                batches.append(current)
                current = []
        if current:
            batches.append(current)
        return batches

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
            auto = moves.filtered(lambda m: m.company_id.service_invoice_auto_post)
            warnings = self._invoice_warnings(auto)
            to_post = auto.filtered(lambda m: not warnings[m])
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
            body = self._get_post_error_note(invoice, message)
            documents = invoice.service_contract_id or invoice.service_intervention_ids
            for record in [invoice, *documents]:
                record.message_post(body=body, author_id=self.env.user.partner_id.id)

    @api.model
    def _get_post_error_note(self, invoice, message):
        # a link to the invoice on the documents' chatter: Markup, with
        # the sentence and the error escaped
        return self.env._(
            "Invoice %(invoice)s could not be posted and stays in draft: %(error)s",
            invoice=invoice._get_html_link(),
            error=message,
        )

    @api.model
    def _invoice_warnings(self, moves):
        """{move: [reasons to look at it before sending it]}, for all
        ``moves`` at once (the previous periods' amounts in one query)."""
        previous_amounts = self._previous_period_amounts(moves)
        return {
            move: self._move_warnings(move)
            + self._period_warnings(move, previous_amounts.get(move))
            for move in moves
        }

    @api.model
    def _move_warnings(self, move):
        """What any invoice may be wrong in: its amount, accounts, taxes."""
        warnings = []
        if move.currency_id.compare_amounts(move.amount_untaxed, 0) <= 0:
            warnings.append(self.env._("zero or negative amount"))
        for line in move.invoice_line_ids:
            if not line.display_type and not line.account_id:
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
        return warnings

    @api.model
    def _period_warnings(self, move, previous):
        """What a contract's periodic invoice may be wrong in: an amount far
        from the ``previous`` period's, the last period of the contract."""
        contract = move.service_contract_id
        if not (contract and move.service_period_start):
            return []
        warnings = []
        threshold = move.company_id.service_invoice_warning_threshold
        if previous and threshold:
            change = abs(move.amount_untaxed - previous) / abs(previous)
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

    @api.model
    def _previous_period_amounts(self, moves):
        """{move: untaxed amount of the non-cancelled invoice of the period
        before its own on its contract}, in one query for all ``moves``."""
        periodic = moves.filtered(
            lambda m: m.service_contract_id and m.service_period_start
        )
        if not periodic:
            return {}
        # one non-cancelled invoice per contract period (unique index): the
        # sum of a group is the amount of that invoice
        groups = self.env["account.move"]._read_group(
            [
                ("service_contract_id", "in", periodic.service_contract_id.ids),
                ("state", "!=", "cancel"),
                (
                    "service_period_start",
                    "<",
                    max(periodic.mapped("service_period_start")),
                ),
            ],
            ["service_contract_id", "service_period_start:day"],
            ["amount_untaxed:sum"],
        )
        periods = defaultdict(list)
        for contract, start, amount in groups:
            periods[contract].append((fields.Date.to_date(start), amount))
        result = {}
        for move in periodic:
            earlier = [
                (start, amount)
                for start, amount in periods[move.service_contract_id]
                if start < move.service_period_start
            ]
            if earlier:
                result[move] = max(earlier)[1]
        return result

    # ------------------------------------------------------------------
    # Contracts due
    # ------------------------------------------------------------------
    @api.model
    def _due_contract_domain(self, date, contracts=None, partners=None):
        domain = Domain(
            [
                # closed and expired contracts bill their last days in
                # arrears; cancelled ones bill nothing more
                ("state", "in", ("running", "expired", "closed")),
                ("billing_method", "=", "flat_rate"),
                ("next_invoice_date", "!=", False),
                ("next_invoice_date", "<=", date),
            ]
        )
        return self._scope_domain(domain, contracts, partners)

    @api.model
    def _scope_domain(self, domain, records, partners, path=None):
        """``domain`` limited to ``records`` and the customers ``partners``
        (with their contacts), through the field ``path`` (None: records)."""
        if records:
            domain &= Domain(path or "id", "in", records.ids)
        if partners:
            partner_path = f"{path}.partner_id" if path else "partner_id"
            domain &= Domain(partner_path, "child_of", partners.ids)
        return domain

    @api.model
    def _contract_periods(self, contract, date, covered=None):
        """The pieces of ``contract`` due on ``date``, oldest first, and its
        markers after them (see ``service.contract._due_periods``)."""
        if covered is None:
            covered = self._covered_spans(contract).get(contract.id)
        return contract._due_periods(date, covered)

    @api.model
    def _covered_spans(self, contracts):
        """{contract id: [(first day, last day)]} of the non-cancelled
        invoices of ``contracts`` that end after their last invoiced day (a
        cancelled invoice leaves a gap before them): invoicing skips them."""
        if not contracts:
            return {}
        since = {c.id: c._next_unbilled_day() for c in contracts}
        rows = (
            self.env["account.move"]
            .sudo()
            .search_read(
                [
                    ("service_contract_id", "in", contracts.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "!=", "cancel"),
                    ("service_period_end", ">=", min(since.values())),
                    (
                        "id",
                        "not in",
                        self.env.context.get("service_released_move_ids", []),
                    ),
                ],
                ["service_contract_id", "service_period_start", "service_period_end"],
            )
        )
        result = defaultdict(list)
        for row in rows:
            contract_id = row["service_contract_id"][0]
            if row["service_period_end"] >= since[contract_id]:
                result[contract_id].append(
                    (
                        max(row["service_period_start"], since[contract_id]),
                        row["service_period_end"],
                    )
                )
        return result

    @api.model
    def _contract_period_amount(self, contract, period):
        """The untaxed amount the invoice of ``period`` would bill."""
        currency = contract.currency_id
        return sum(
            self._fee_line_amount(currency, line, line._get_period_price_unit(period))
            for line in contract.line_ids
        )

    @api.model
    def _fee_line_amount(self, currency, line, price_unit):
        """The untaxed amount of a fee line at ``price_unit``, rounded."""
        return currency.round(line.quantity * price_unit * (1 - line.discount / 100.0))

    @api.model
    def _format_period(self, period, env=None):
        env = env or self.env
        return "{}–{}".format(
            format_date(env, period["start"]), format_date(env, period["end"])
        )

    @api.model
    def _reader_env(self, partner):
        """The environment to write invoice lines for ``partner`` in: its
        language (else the company's, as for dates until now) for texts,
        dates and product names."""
        lang_env = self.env(context=dict(self.env.context, lang=partner.lang))
        return self.env(context=dict(self.env.context, lang=get_lang(lang_env).code))

    @api.model
    def _check_contract_fee(self, contract, index=None, prices=None):
        """A flat-rate contract bills its fee every period: it cannot start or
        renew with a fee of zero or less (it would bill nothing, or credit
        the customer on invoices).

        :param index: renewal with this price index (%), None when starting
        :param prices: {fee line: unit price} the renewal indexes, when they
            are not yet those of the lines (a renewal of several terms)
        """
        if contract.billing_method != "flat_rate" or not contract.line_ids:
            return  # without fee lines, the contract's constraint tells
        amount = self._contract_fee(contract, index, prices)
        if contract.currency_id.compare_amounts(amount, 0) > 0:
            return
        values = {
            "name": contract.display_name,
            "amount": format_amount(self.env, amount, contract.currency_id),
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
    def _contract_fee(self, contract, index=None, prices=None):
        """The fee per period of ``contract``, its ``prices`` (default: those
        of its lines) raised by ``index`` percent when given."""
        if not index:
            return contract.amount_untaxed
        currency = contract.currency_id
        prices = prices or {line: line.price_unit for line in contract.line_ids}
        return sum(
            currency.round(
                line.quantity
                * currency.round(prices[line] * (1 + index / 100.0))
                * (1 - line.discount / 100.0)
            )
            for line in contract.line_ids
        )

    @api.model
    def _move_contract_markers(self, next_dates, contracts):
        """Move the next invoice date and the last invoiced day of the
        invoiced contracts, one write per pair of dates (bookkeeping of the
        invoicing itself: accountants run it too; not tracked).

        :param next_dates: {contract: {"next_invoice_date", "invoiced_until"}}
        """
        by_markers = defaultdict(list)
        for contract in contracts:
            by_markers[tuple(sorted(next_dates[contract].items()))].append(contract.id)
        Contract = (
            self.env["service.contract"]
            .sudo()
            .with_context(tracking_disable=True)
            ._service_trusted()
        )
        for markers, contract_ids in by_markers.items():
            Contract.browse(contract_ids).write(dict(markers))

    @api.model
    def _credit_after_close(self, contracts, post=None):
        """Credit the days invoiced after the end of closed ``contracts``
        (billed in advance), pro rata of the invoiced amounts, when the
        company invoices pro rata; else the invoices stay as they are.

        :return: the credit notes
        """
        closing = contracts.filtered(
            lambda c: (
                c.date_end
                and c.billing_method == "flat_rate"
                and c.company_id.service_invoice_prorata
            )
        )
        if not closing:
            return self.env["account.move"]
        vals_list = [
            (move.service_contract_id, move._service_prepare_credit_values())
            for move in self._invoiced_after_close(closing)
        ]
        credited = self.env["service.contract"].union(*(c for c, __ in vals_list))
        moves, failed = self._create_invoices(
            vals_list, credited, lambda records: None, "credit notes"
        )
        self._report_errors(failed)
        self._post_invoices(moves, post)
        for contract in credited - self.env["service.contract"].union(*failed):
            contract._service_trusted().with_context(tracking_disable=True).write(
                {"invoiced_until": contract.date_end}
            )
        return moves

    @api.model
    def _invoiced_after_close(self, contracts):
        """The invoices of closed ``contracts`` whose period ends after the
        contract."""
        Move = self.env["account.move"].sudo()
        invoices = Move.search(self._get_period_invoices_domain(contracts))
        return invoices.filtered(
            lambda m: m.service_period_end > m.service_contract_id.date_end
        )

    @api.model
    def _get_period_invoices_domain(self, contracts):
        """The valid customer invoices of periods of ``contracts``."""
        return [
            ("service_contract_id", "in", contracts.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "!=", "cancel"),
            ("service_period_end", "!=", False),
        ]

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
        """Invoice every due period of the due flat-rate contracts (what is
        billed and what is not: ``_plan_contract``).

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
        for locked in self._locked_batches(
            "service.contract",
            self._due_contract_domain(date, contracts, partners),
            "next_invoice_date, id",
            batch_size,
            commit,
        ):
            due = locked.filtered_domain(self._due_contract_domain(date))
            plan = self._plan_contract_invoices(due, date)
            moves |= self._invoice_contract_plan(plan, post, errors, post_errors)
        return moves

    @api.model
    def _plan_contract_invoices(self, contracts, date):
        """What invoicing the due ``contracts`` on ``date`` does, without
        doing it.

        :return: dict of ``vals_list`` ([(contract, invoice values)]),
            ``next_dates`` ({contract: markers to write}), ``failed``
            ({contract: message}) and ``notes`` ({contract: chatter note})
        """
        covered = self._covered_spans(contracts)
        plan = {"vals_list": [], "next_dates": {}, "failed": {}, "notes": {}}
        for contract in contracts:
            self._plan_contract(contract, date, covered.get(contract.id, ()), plan)
        return plan

    @api.model
    def _plan_contract(self, contract, date, covered, plan):
        """Add to ``plan`` (see ``_plan_contract_invoices``) what invoicing
        ``contract`` on ``date`` does.

        A period with nothing to bill (a fee of zero) gets no invoice: it is
        settled all the same, the next invoice date moves past it and a note
        says so on the contract. A closed or expired contract without fee
        lines will never bill anything: its next invoice date is cleared (set
        it again after adding fee lines). A negative fee is an error, reported
        like a failing invoice; the contract is not invoiced, and its next
        invoice date stays, until its fee lines are fixed.
        """
        try:
            periods, markers = self._contract_periods(contract, date, covered)
        except (OverflowError, ValueError) as error:
            # one contract with impossible dates stops nothing else
            plan["failed"][contract] = self._periods_error(contract, error)
            return
        if not periods:
            if markers["next_invoice_date"] != contract.next_invoice_date:
                plan["next_dates"][contract] = markers
            return
        if not contract.line_ids and contract.state != "running":
            self._plan_stop_without_fees(contract, plan)
            return
        to_bill, nothing, remainders, error = self._split_periods(contract, periods)
        if error:
            plan["failed"][contract] = error
            return
        plan["next_dates"][contract] = markers
        note = self._unbilled_note(nothing, remainders)
        if note:
            plan["notes"][contract] = note
        plan["vals_list"] += [
            (contract, contract._prepare_invoice_values(period)) for period in to_bill
        ]

    @api.model
    def _periods_error(self, contract, error):
        return self.env._(
            "the invoicing periods of contract %(name)s cannot be computed "
            "(%(error)s): check its dates, its invoicing interval and its "
            "renewal term.",
            name=contract.display_name,
            error=error,
        )

    @api.model
    def _plan_stop_without_fees(self, contract, plan):
        """A closed or expired contract without fee lines bills nothing ever:
        clear its next invoice date, with a note."""
        plan["next_dates"][contract] = {
            "next_invoice_date": False,
            "invoiced_until": contract.invoiced_until,
        }
        plan["notes"][contract] = self._get_without_fees_note()

    @api.model
    def _get_without_fees_note(self):
        return self.env._(
            "Contract without fee lines: nothing to invoice, automatic "
            "invoicing stops. Set the next invoice date again after "
            "adding fee lines."
        )

    @api.model
    def _split_periods(self, contract, periods):
        """Sort the due ``periods`` of ``contract`` by what they bill.

        :return: (periods to bill, periods whose fee is zero, remainders of
            periods billed in full, the error of a negative fee or None)
        """
        to_bill, nothing, remainders = [], [], []
        for period in periods:
            if period["remainder"]:
                remainders.append(period)
                continue
            amount = self._contract_period_amount(contract, period)
            sign = contract.currency_id.compare_amounts(amount, 0)
            if sign < 0:
                return (
                    [],
                    [],
                    [],
                    self.env._(
                        "the fee of contract %(name)s for %(period)s is negative "
                        "(%(amount)s): correct its fee lines.",
                        name=contract.display_name,
                        period=self._format_period(period),
                        amount=format_amount(self.env, amount, contract.currency_id),
                    ),
                )
            (to_bill if sign > 0 else nothing).append(period)
        return to_bill, nothing, remainders, None

    @api.model
    def _unbilled_note(self, nothing, remainders):
        """The chatter note on due periods that get no invoice, or ''."""
        note = []
        if nothing:
            note.append(
                self.env._(
                    "No invoice for %(periods)s: the fee is zero.",
                    periods=", ".join(map(self._format_period, nothing)),
                )
            )
        if remainders:
            note.append(
                self.env._(
                    "No invoice for %(periods)s: the fee of the period was "
                    "invoiced in full with its first days (pro-rata is off).",
                    periods=", ".join(map(self._format_period, remainders)),
                )
            )
        return " ".join(note)

    @api.model
    def _invoice_contract_plan(self, plan, post, errors, post_errors):
        """Create (and post) the invoices of ``plan``, move the markers of
        the contracts with the invoices (or at once when nothing is to be
        created for them), log the notes.

        :return: the created invoices
        """
        Contract = self.env["service.contract"]
        next_dates, failed = plan["next_dates"], plan["failed"]
        billed = Contract.union(*(contract for contract, __ in plan["vals_list"]))
        # nothing to create for the others: their markers move at once
        self._move_contract_markers(next_dates, Contract.union(*next_dates) - billed)
        created, create_failed = self._create_invoices(
            plan["vals_list"],
            billed,
            functools.partial(self._move_contract_markers, next_dates),
            "contracts",
        )
        failed.update(create_failed)
        self._log_notes(
            {c: note for c, note in plan["notes"].items() if c not in create_failed}
        )
        return self._finish_batch(created, failed, post, errors, post_errors)

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
        return self._scope_domain(domain, interventions, partners, "intervention_id")

    @api.model
    def _work_invoice_group(self, line, memo=None):
        """What the work lines of one invoice share with ``line``: its values
        of the field paths of ``line._get_work_invoice_grouping_keys()`` and,
        when lines of several interventions may share an invoice, the fiscal
        position of its intervention (its taxes: the invoice header has one).

        :param memo: {intervention: fiscal position} shared over one run
        """
        key = []
        paths = line._get_work_invoice_grouping_keys()
        for path in paths:
            value = line.mapped(path)
            if not isinstance(value, models.BaseModel):
                value = tuple(value)
            key.append((path, value))
        if paths != ["intervention_id"]:
            memo = {} if memo is None else memo
            intervention = line.intervention_id
            if intervention not in memo:
                memo[intervention] = self._work_fiscal_position(intervention)
            key.append(("fiscal_position", memo[intervention]))
        return tuple(key)

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
        # planned work is not billed: it is not on the invoice either
        billable = lines.filtered(lambda line: line.billable and line.done)
        result = {}
        groups = defaultdict(lambda: lines.browse())
        for line in billable:
            groups[line.intervention_id] |= line
        for intervention, group in groups.items():
            siblings = (intervention.line_ids | group).filtered(
                lambda line: line.billable and line.done
            )
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
        """Invoice the billable, not yet invoiced lines of done interventions;
        the parameters are those of ``_invoice_contracts`` (``errors``: by
        intervention).

        :return: the created invoices
        """
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        moves = self.env["account.move"]
        memo = {}
        for locked in self._locked_batches(
            "service.intervention.line",
            self._work_domain(date, interventions, partners),
            "intervention_id, sequence, id",
            batch_size,
            commit,
            key=functools.partial(self._work_invoice_group, memo=memo),
        ):
            lines = locked.filtered(lambda line: line.invoice_status == "to_invoice")
            lines.check_access("read")
            created, failed = self._create_invoices(
                self._work_invoice_values(lines, memo),
                lines.intervention_id,
                lambda records: None,
                "work",
            )
            moves |= self._finish_batch(created, failed, post, errors, post_errors)
        return moves

    @api.model
    def _work_invoice_values(self, lines, memo):
        """[(intervention, invoice values)]: one invoice per group of
        ``lines`` (see ``_work_invoice_group``)."""
        return [
            self._get_work_invoice(group)
            for group in self._get_work_invoice_groups(lines, memo)
        ]

    @api.model
    def _get_work_invoice_groups(self, lines, memo):
        """The work lines of each invoice (see ``_work_invoice_group``)."""
        groups = defaultdict(self.env["service.intervention.line"].browse)
        for line in lines:
            groups[self._work_invoice_group(line, memo)] |= line
        return groups.values()

    @api.model
    def _get_work_invoice(self, group):
        """(intervention, invoice values) of a group of work lines."""
        interventions = group.intervention_id
        return interventions[:1], interventions._prepare_invoice_values(group)

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
            warnings = self._invoice_warnings(moves)
            result = [self._preview_move(move, warnings[move]) for move in moves]
            result += [
                self._preview_error(record, message)
                for record, message in errors.items()
            ]
            savepoint.rollback()
        self.env.invalidate_all()
        return result

    @api.model
    def _preview_move(self, move, warnings):
        """A row of the preview: an invoice that would be created."""
        return {
            "partner_id": move.partner_id.id,
            "kind": "contract" if move.service_contract_id else "work",
            "contract_id": move.service_contract_id.id,
            "origin": move.invoice_origin,
            "period_start": move.service_period_start,
            "period_end": move.service_period_end,
            "amount_untaxed": move.amount_untaxed,
            "amount_total": move.amount_total,
            "currency_id": move.currency_id.id,
            "warnings": "; ".join(warnings),
        }

    @api.model
    def _preview_error(self, record, message):
        """A row of the preview: a contract or an intervention that cannot
        be invoiced, and why."""
        is_contract = record._name == "service.contract"
        return {
            "partner_id": record.partner_id.id,
            "kind": "contract" if is_contract else "work",
            "contract_id": record.id if is_contract else False,
            "origin": record.name,
            "period_start": False,
            "period_end": False,
            "amount_untaxed": 0.0,
            "amount_total": 0.0,
            "currency_id": record.currency_id.id,
            "warnings": self.env._("cannot be invoiced: %s", message),
        }
