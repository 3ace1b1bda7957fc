# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading
from collections import defaultdict
from contextlib import contextmanager

import psycopg2.errors
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools import format_date, split_every
from odoo.tools.date_utils import get_fiscal_year

from .selections import interval_delta
from .service_write_policy_mixin import trusted

_logger = logging.getLogger(__name__)


@contextmanager
def _duplicate_expected():
    """Odoo logs a failed query as an error; here a duplicate is expected (a
    concurrent run created the event first): leave out that log line, of
    this thread only (``mute_logger`` would mute the other threads too)."""
    thread = threading.get_ident()

    def keep(record):
        return not (record.thread == thread and str(record.msg).startswith("bad query"))

    logger = logging.getLogger("odoo.sql_db")
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def paragraph(text):
    """``text`` (whole translated sentences, names included) as an HTML
    paragraph: the names are the users', escaped, never markup."""
    return Markup("<p>%s</p>") % text


# triggers the daily scheduled action plans
CRON_TRIGGERS = ("periodic", "contract_start", "fiscal_period")
OPEN_STATES = ("draft", "scheduled", "in_progress")


class ServicePlanning(models.AbstractModel):
    """Preventive planning and practices: the periodic, contract-start and
    fiscal-period protocols of running contracts, and the new-customer
    protocols of a customer's first contract, become interventions with the
    protocol applied, each exactly once per contract (or customer) and event.
    """

    _name = "service.planning"
    _description = "Service Preventive Planning"

    _batch_size = 200

    # ------------------------------------------------------------------
    # Due dates
    # ------------------------------------------------------------------
    @api.model
    def _protocol_due_dates(self, contract, protocol, date_from, date_to):
        """Due dates of ``protocol`` on ``contract`` between the two dates.

        A periodic protocol is due every interval after the contract start; a
        contract-start protocol is due once, on the start date.
        """
        start = contract.date_start
        if protocol.trigger == "contract_start":
            dates = [start]
        elif protocol.trigger == "periodic" and protocol.interval_number > 0:
            dates = self._periodic_dates(protocol, start, date_from, date_to)
        else:
            return []
        last = contract.date_end or date_to
        return [due for due in dates if date_from <= due <= min(date_to, last)]

    @api.model
    def _periodic_dates(self, protocol, start, date_from, date_to):
        """The due dates of a periodic ``protocol`` from ``start`` up to
        ``date_to``, the k-th one ``start`` + k intervals."""
        count = 1
        if protocol.interval_type in ("day", "week") and date_from > start:
            # jump close to date_from instead of walking years of history
            days = protocol.interval_number * (
                7 if protocol.interval_type == "week" else 1
            )
            count = max((date_from - start).days // days, 1)
        dates = []
        while (
            due := start
            + interval_delta(protocol.interval_number * count, protocol.interval_type)
        ) <= date_to:
            dates.append(due)
            count += 1
        return dates

    @api.model
    def _next_due_from_done(self, contract, protocol, last_done, today, date_to, taken):
        """The next visit counted from the last done one (or from the
        contract start): one interval later, today when already overdue,
        skipping a date already used (a cancelled visit)."""
        step = interval_delta(protocol.interval_number, protocol.interval_type)
        due = (last_done or contract.date_start) + step
        due = max(due, today)
        while (contract.id, protocol.id, due) in taken:
            due += step
        last = min(date_to, contract.date_end or date_to)
        return [due] if due <= last else []

    @api.model
    def _fiscal_period_starts(self, company, unit, date_from, date_to):
        """Starts of the company's fiscal years (or quarters) that contain
        ``date_from`` or begin up to ``date_to``."""
        year_start, _year_end = get_fiscal_year(
            date_from,
            day=company.fiscalyear_last_day,
            month=int(company.fiscalyear_last_month),
        )
        months = 3 if unit == "quarter" else 12
        starts, index = [], 0
        while (start := year_start + relativedelta(months=months * index)) <= date_to:
            end = year_start + relativedelta(months=months * (index + 1))
            if end > date_from:
                starts.append(start)
            index += 1
        return starts

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------
    @api.model
    def _prepare_practice_values(
        self, protocol, partner, contract=None, due=None, key=None, technician=None
    ):
        """Values of one job of ``protocol`` for ``partner`` (and its
        ``contract``): the contract's objects the protocol applies to, the
        contract's usual technician, the event's key."""
        contract = contract or self.env["service.contract"]
        technician = technician or contract.technician_id
        values = self._practice_base_values(protocol, partner, contract)
        if contract:
            values.update(self._contract_practice_values(contract))
        if technician:
            values["technician_id"] = technician.id
        if due:
            values["preventive_due_date"] = due
            values["description"] = self._due_description(protocol, due, contract)
        if key:
            values["practice_key"] = key
        return values

    @api.model
    def _practice_base_values(self, protocol, partner, contract):
        """A planned job of ``protocol`` for ``partner`` in the contract's
        company, on its objects the protocol applies to."""
        lots = self._practice_lots(protocol, contract)
        return {
            "partner_id": partner.id,
            "company_id": (contract.company_id or protocol.company_id).id
            or self.env.company.id,
            "protocol_id": protocol.id,
            "origin": "planned",
            "object_ids": [Command.create({"lot_id": lot.id}) for lot in lots],
        }

    @api.model
    def _contract_practice_values(self, contract):
        """What a job takes from its contract: the contract, the service
        address, the responsible."""
        return {
            "contract_id": contract.id,
            "partner_shipping_id": contract.partner_shipping_id.id,
            "user_id": contract.user_id.id,
        }

    @api.model
    def _practice_lots(self, protocol, contract):
        """The contract's installed objects the protocol applies to."""
        categories = protocol.product_categ_ids
        return contract.lot_ids.filtered(
            lambda lot: (
                lot.service_state in ("installed", "in_repair")
                and (not categories or lot.product_id.categ_id in categories)
            )
        )

    @api.model
    def _due_description(self, protocol, due, contract):
        """ "<protocol> due on <date> (contract <name>).", as a paragraph."""
        date = format_date(self.env, due)
        if contract:
            text = self.env._(
                "%(protocol)s due on %(date)s (contract %(contract)s).",
                protocol=protocol.name,
                date=date,
                contract=contract.name,
            )
        else:
            text = self.env._(
                "%(protocol)s due on %(date)s.", protocol=protocol.name, date=date
            )
        return paragraph(text)

    @api.model
    def _prepare_preventive_intervention(self, contract, protocol, due):
        return self._prepare_practice_values(
            protocol, contract.partner_id, contract=contract, due=due
        )

    @api.model
    def _create_practices(self, vals_list):
        """Create the jobs in one ``create`` and apply their protocol in
        one batch of work lines."""
        # the launch, key and due date of a practice are the application's
        Intervention = trusted(self.env["service.intervention"])
        # a duplicate is expected here (a concurrent run): not a bad query
        try:
            with _duplicate_expected(), self.env.cr.savepoint():
                interventions = Intervention.create(vals_list)
        except psycopg2.errors.UniqueViolation:
            interventions = self._create_practices_one_by_one(vals_list)
        interventions.filtered("protocol_id").action_apply_protocol()
        return interventions.with_env(self.env)

    @api.model
    def _create_practices_one_by_one(self, vals_list):
        """A concurrent run (the scheduled action twice, two contracts of a
        new customer started at once) created some of these events first:
        create the others, skip those, and say so."""
        Intervention = trusted(self.env["service.intervention"])
        interventions = Intervention
        skipped = 0
        for vals in vals_list:
            try:
                with _duplicate_expected(), self.env.cr.savepoint():
                    interventions |= Intervention.create(vals)
            except psycopg2.errors.UniqueViolation:
                skipped += 1
        _logger.info(
            "practices: %s already created by a concurrent run, skipped", skipped
        )
        return interventions

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _cron_service_preventive(self, date=None):
        """Create the preventive interventions and fiscal-period practices
        due within each company's horizon, never twice for the same event.
        From the scheduled action, each batch of contracts is committed with
        the cron's progress.

        :return: the created interventions
        """
        commit = bool(self.env.context.get("ir_cron_progress_id"))
        return self._generate_preventive(date=date, commit=commit)

    @api.model
    def _generate_preventive(
        self, date=None, dry_run=False, commit=False, horizon_days=None, contracts=None
    ):
        """Plan the periodic, contract-start and fiscal-period protocols of
        running contracts, batch by batch of contracts: a constant number of
        queries per batch (the contracts, their existing jobs and keys are
        read once per batch), the cache emptied after each.

        :param date: today (default: the user's today)
        :param dry_run: create nothing, return the values that would be
            created (the "Preview" of the next days)
        :param commit: commit each batch with the cron's progress
        :param horizon_days: days ahead (default: each company's setting)
        :param contracts: restrict to these contracts
        :return: the created interventions, or a list of values (dry run)
        """
        today = fields.Date.to_date(date) or fields.Date.context_today(self)
        contract_ids = self._preventive_contract_ids(contracts)
        remaining = len(contract_ids)
        if commit:
            self.env["ir.cron"]._commit_progress(remaining=remaining)
        results, customers_done = [], set()
        for batch_ids in split_every(self._batch_size, contract_ids):
            batch = self.env["service.contract"].browse(batch_ids)
            vals_list = self._plan_batch(batch, today, horizon_days, customers_done)
            results += vals_list if dry_run else self._create_practices_of(vals_list)
            remaining -= len(batch_ids)
            if commit and not self._commit_batch(len(batch_ids), remaining):
                break
            # bounded memory: what a batch read is not kept for the next
            self.env.invalidate_all()
        return results if dry_run else self.env["service.intervention"].browse(results)

    @api.model
    def _create_practices_of(self, vals_list):
        """Ids of the jobs created from ``vals_list`` (none: no query)."""
        return self._create_practices(vals_list).ids if vals_list else []

    @api.model
    def _preventive_contract_ids(self, contracts=None):
        """Ids of the running contracts with a scheduled protocol (of
        ``contracts`` only, when given)."""
        domain = Domain("state", "=", "running") & Domain(
            "protocol_ids.trigger", "in", CRON_TRIGGERS
        )
        if contracts is not None:
            domain &= Domain("id", "in", contracts.ids)
        return self.env["service.contract"].search(domain, order="id").ids

    @api.model
    def _commit_batch(self, done, remaining):
        """Commit a batch with the cron's progress; False when the time is
        up with contracts left for the next run."""
        time_left = self.env["ir.cron"]._commit_progress(done, remaining=remaining)
        if remaining and not time_left:
            _logger.info(
                "preventive planning: time is up, %s contracts left for the next run",
                remaining,
            )
            return False
        return True

    @api.model
    def _horizon(self, contract, today, horizon_days):
        if horizon_days is None:
            horizon_days = contract.company_id.service_preventive_horizon_days
        return today + relativedelta(days=horizon_days)

    @api.model
    def _read_visits(self, contracts):
        """Of these contracts, in one query each: the (contract, protocol,
        due date) already planned, and for "done date" companies the last
        done visit per (contract, protocol) and those with an open visit."""
        Intervention = self.env["service.intervention"]
        existing = {
            (contract.id, protocol.id, fields.Date.to_date(due))
            for contract, protocol, due in Intervention._read_group(
                [
                    ("contract_id", "in", contracts.ids),
                    ("preventive_due_date", "!=", False),
                ],
                ["contract_id", "protocol_id", "preventive_due_date:day"],
            )
        }
        if "done_date" not in contracts.company_id.mapped(
            "service_preventive_next_from"
        ):
            return existing, {}, set()
        return existing, *self._read_done_visits(contracts)

    @api.model
    def _read_done_visits(self, contracts):
        """The last done visit per (contract, protocol) of these contracts,
        and the (contract, protocol) with an open visit (one query)."""
        last_done, open_visits = {}, set()
        for contract, protocol, state, done_at in self.env[
            "service.intervention"
        ]._read_group(
            [
                ("contract_id", "in", contracts.ids),
                ("protocol_id", "in", contracts.protocol_ids.ids),
                ("state", "!=", "cancelled"),
            ],
            ["contract_id", "protocol_id", "state"],
            ["actual_end:max"],
        ):
            key = (contract.id, protocol.id)
            if state == "done" and done_at:
                done_day = fields.Date.to_date(done_at)
                last_done[key] = max(last_done.get(key, done_day), done_day)
            elif state in OPEN_STATES:
                open_visits.add(key)
        return last_done, open_visits

    @api.model
    def _plan_periodic(self, contracts, today, horizon_days):
        """Values of the periodic and contract-start jobs of the contracts."""
        visits = self._read_visits(contracts)
        existing = visits[0]
        vals_list = []
        for contract in contracts:
            horizon = self._horizon(contract, today, horizon_days)
            for protocol in contract.protocol_ids:
                dues = self._visit_dues(contract, protocol, today, horizon, visits)
                vals_list += [
                    self._prepare_preventive_intervention(contract, protocol, due)
                    for due in dues
                    if (contract.id, protocol.id, due) not in existing
                ]
        return vals_list

    @api.model
    def _visit_dues(self, contract, protocol, today, horizon, visits):
        """The due dates of ``protocol`` on ``contract``: counted from the
        last done visit for the companies that plan so (none while a visit
        is open), else from the contract's start."""
        existing, last_done, open_visits = visits
        key = (contract.id, protocol.id)
        from_done = contract.company_id.service_preventive_next_from == "done_date"
        if protocol.trigger != "periodic" or not from_done:
            return self._protocol_due_dates(contract, protocol, today, horizon)
        if key in open_visits:
            return []
        return self._next_due_from_done(
            contract, protocol, last_done.get(key), today, horizon, existing
        )

    @api.model
    def _plan_fiscal(self, contracts, today, horizon_days, customers_done):
        """Values of the fiscal-period jobs: one per customer, protocol and
        period start (keyed), on the customer's first contract."""
        candidates = {}
        for contract in contracts:
            for protocol, key, start in self._fiscal_events(
                contract, today, horizon_days
            ):
                candidates.setdefault((protocol, key), (contract, start))
        if not candidates:
            return []
        taken = self._taken_keys(candidates)
        vals_list = []
        for (protocol, key), (contract, start) in candidates.items():
            if (protocol.id, key) in taken or (protocol.id, key) in customers_done:
                continue
            customers_done.add((protocol.id, key))
            vals_list.append(
                self._prepare_fiscal_values(protocol, contract, start, key)
            )
        return vals_list

    @api.model
    def _prepare_fiscal_values(self, protocol, contract, start, key):
        values = self._prepare_practice_values(
            protocol, contract.partner_id, contract=contract, due=start, key=key
        )
        text = self.env._(
            "%(protocol)s for the fiscal period starting on %(date)s.",
            protocol=protocol.name,
            date=format_date(self.env, start),
        )
        values["description"] = paragraph(text)
        return values

    @api.model
    def _fiscal_events(self, contract, today, horizon_days):
        """(protocol, practice key, period start) of the fiscal periods the
        contract's fiscal-period protocols are due for."""
        horizon = self._horizon(contract, today, horizon_days)
        customer = contract.partner_id.commercial_partner_id
        for protocol in contract.protocol_ids.filtered(
            lambda p: p.trigger == "fiscal_period"
        ):
            for start in self._fiscal_period_starts(
                contract.company_id, protocol.fiscal_period_unit, today, horizon
            ):
                if not (contract.date_end and contract.date_end < start):
                    yield protocol, f"fiscal_period:{customer.id}:{start}", start

    @api.model
    def _taken_keys(self, candidates):
        """(protocol id, practice key) of ``candidates`` (keyed by (protocol,
        key)) some job already holds (one query)."""
        jobs = (
            self.env["service.intervention"]
            .sudo()
            .search_fetch(
                [("practice_key", "in", [key for _p, key in candidates])],
                ["protocol_id", "practice_key"],
            )
        )
        return {(job.protocol_id.id, job.practice_key) for job in jobs}

    @api.model
    def _plan_batch(self, contracts, today, horizon_days, customers_done):
        """The values of the jobs due on one batch of contracts."""
        return self._plan_periodic(contracts, today, horizon_days) + self._plan_fiscal(
            contracts, today, horizon_days, customers_done
        )

    # ------------------------------------------------------------------
    # New customers
    # ------------------------------------------------------------------
    @api.model
    def _plan_new_customer(self, contracts):
        """Create the "new customer" practices of contracts that just started
        running, when this is the customer's first running contract (in its
        company): once per customer and protocol, whatever happens later."""
        with_protocol = contracts.filtered(
            lambda c: (
                c.state == "running"
                and any(p.trigger == "new_customer" for p in c.protocol_ids)
            )
        )
        candidates = self._new_customer_events(with_protocol)
        taken = self._taken_keys(candidates) if candidates else set()
        vals_list = [
            self._prepare_new_customer_values(protocol, contract, key)
            for (protocol, key), contract in candidates.items()
            if (protocol.id, key) not in taken
        ]
        if not vals_list:
            return self.env["service.intervention"]
        # a side effect of starting a contract (also from a confirmed sale)
        created = self.sudo()._create_practices(vals_list)
        return created.with_env(self.env)

    @api.model
    def _new_customer_events(self, contracts):
        """{(protocol, practice key): contract} of the customers whose first
        contract (in its company) is one of ``contracts``."""
        seen = self._customers_with_contracts(contracts)
        candidates = {}
        for contract in contracts.sorted(lambda c: (c.date_start, c.id)):
            customer = contract.partner_id.commercial_partner_id
            if customer.id in seen[contract.company_id.id]:
                continue
            for protocol in contract.protocol_ids.filtered(
                lambda p: p.trigger == "new_customer"
            ):
                key = f"new_customer:{customer.id}"
                candidates.setdefault((protocol, key), contract)
        return candidates

    @api.model
    def _customers_with_contracts(self, contracts):
        """{company id: customer ids} of the customers of ``contracts`` who
        had another contract in that company (running or ended)."""
        seen = defaultdict(set)
        for contract in self._other_contracts(contracts):
            seen[contract.company_id.id].add(
                contract.partner_id.commercial_partner_id.id
            )
        return seen

    @api.model
    def _other_contracts(self, contracts):
        """The running or ended contracts of the customers of ``contracts``,
        those excluded."""
        if not contracts:
            return self.env["service.contract"]
        customers = contracts.partner_id.commercial_partner_id
        return (
            self.env["service.contract"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", customers.ids),
                    ("state", "in", ("running", "expired", "closed")),
                    ("id", "not in", contracts.ids),
                ]
            )
        )

    @api.model
    def _prepare_new_customer_values(self, protocol, contract, key):
        values = self._prepare_practice_values(
            protocol,
            contract.partner_id,
            contract=contract,
            due=contract.date_start,
            key=key,
        )
        text = self.env._(
            "%(protocol)s for the new customer %(customer)s.",
            protocol=protocol.name,
            customer=contract.partner_id.commercial_partner_id.name,
        )
        values["description"] = paragraph(text)
        return values
