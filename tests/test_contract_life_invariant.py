# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every day under contract is billed exactly once: random contract lives
(start on month ends and leap days, day/week/month/year intervals, in
advance or in arrears, pro-rata on or off, invoicing runs, renewals, closes,
cancels, date edits with a reason, reruns) checked after every step against
a simple day-by-day model of what must be billed.

``HYPOTHESIS_PROFILE=long make test`` runs thousands of lives; the default
profile (``make test``, CI) runs a few hundred, derandomised.
"""

import bisect
import logging
import os
from collections import Counter, defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import (
    HealthCheck,
    given,
    settings,
    strategies as st,
)

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import ServiceCommon

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "service_default",
    max_examples=200,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=_SUPPRESS,
)
settings.register_profile(
    "service_long",
    max_examples=3000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=_SUPPRESS,
)
PROFILE = {"long": "service_long"}.get(
    os.environ.get("HYPOTHESIS_PROFILE", ""), "service_default"
)

_logger = logging.getLogger(__name__)
ONE = timedelta(days=1)
HORIZON = 2500  # days after the start the model looks at


class BillingModel:
    """What must be billed, day by day, knowing nothing of the engine: the
    set of days invoiced so far, given the contract's terms and its life."""

    def __init__(self, start, number, unit, in_advance, prorata, end):
        self.start, self.in_advance, self.prorata = start, in_advance, prorata
        self.end = end  # last day under contract (None: open-ended)
        self.billed = set()
        self.state = "running"
        self.postponed = None  # a next invoice date moved later by hand
        self.starts = []
        k = 0
        while not self.starts or self.starts[-1] <= start + timedelta(HORIZON):
            self.starts.append(start + relativedelta(**{f"{unit}s": number * k}))
            k += 1

    def period(self, day):
        """(first, last) day of the period of ``day``: the k-th starts at
        start + k intervals."""
        k = bisect.bisect_right(self.starts, day) - 1
        return self.starts[k], self.starts[k + 1] - ONE

    def run(self, today):
        if self.state not in ("running", "expired", "closed"):
            return
        if self.postponed and today < self.postponed:
            return
        self.postponed = None
        day = self.start
        while (self.end is None or day <= self.end) and day <= today + timedelta(400):
            first, last = self.period(day)
            if self.in_advance:
                due = first <= today
            else:
                due = (min(last, self.end) if self.end else last) < today
            if due:
                self.billed.add(day)
            day += ONE

    def close(self, today):
        self.end = min(self.end, today) if self.end else today
        self.state = "closed"
        self.postponed = None
        if self.prorata:
            self.billed = {day for day in self.billed if day <= self.end}


@tagged("post_install", "-at_install")
class TestContractLifeInvariant(ServiceCommon):
    lives = steps = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Invariant Customer", "is_company": True, "lang": "en_US"}
        )
        cls.fee_product = cls.env["product.product"].create(
            {"name": "Invariant fee", "type": "service", "taxes_id": [Command.clear()]}
        )
        cls.Invoicing = cls.env["service.invoicing"]

    @classmethod
    def tearDownClass(cls):
        _logger.info(
            "contract lives checked: %s (%s steps), profile %s",
            cls.lives,
            cls.steps,
            PROFILE,
        )
        super().tearDownClass()

    # ------------------------------------------------------------------
    # The engine's side: what the invoices say was billed
    # ------------------------------------------------------------------
    def _moves(self, contract):
        return self.env["account.move"].search(
            [("service_contract_id", "=", contract.id), ("state", "!=", "cancel")]
        )

    def _check(self, contract, model, fee, label):
        moves = self._moves(contract)
        counts = Counter()
        amounts = defaultdict(float)
        pieces = defaultdict(int)
        for move in moves:
            sign = 1 if move.move_type == "out_invoice" else -1
            day = move.service_period_start
            while day <= move.service_period_end:
                counts[day] += sign
                day += ONE
            period = model.period(move.service_period_start)
            self.assertEqual(
                model.period(move.service_period_end),
                period,
                f"{label}: {move.service_period_start}–{move.service_period_end} "
                "spans two periods",
            )
            amounts[period] += sign * move.amount_untaxed
            pieces[period] += 1
        self.assertFalse(
            [day for day, count in counts.items() if count not in (0, 1)],
            f"{label}: days billed twice or credited without an invoice",
        )
        invoiced = {day for day, count in counts.items() if count == 1}
        if model.prorata:
            self.assertEqual(
                sorted(invoiced ^ model.billed)[:5],
                [],
                f"{label}: billed days differ from the model "
                f"(extra {sorted(invoiced - model.billed)[:3]}, "
                f"missing {sorted(model.billed - invoiced)[:3]})",
            )
            for period, amount in amounts.items():
                days = len([d for d in model.billed if period[0] <= d <= period[1]])
                length = (period[1] - period[0]).days + 1
                self.assertAlmostEqual(
                    amount,
                    fee * days / length,
                    delta=0.01 * pieces[period] + 1e-6,
                    msg=f"{label}: period {period} bills {amount}",
                )
        else:
            # pro-rata off: every period touched is billed once, in full
            self.assertLessEqual(invoiced, model.billed, f"{label}: extra days")
            touched = {model.period(day) for day in model.billed}
            self.assertEqual(set(amounts), touched, f"{label}: periods billed")
            for period, amount in amounts.items():
                self.assertEqual(pieces[period], 1, f"{label}: {period} twice")
                self.assertAlmostEqual(amount, fee, places=2, msg=label)

    def _refused(self, method, *args):
        """``method`` refuses with a clear error and writes nothing."""
        try:
            with self.env.cr.savepoint():
                method(*args)
        except (UserError, ValidationError):
            self.env.invalidate_all()
            return
        self.fail(f"{method.__name__}{args} was accepted")

    # ------------------------------------------------------------------
    # One life
    # ------------------------------------------------------------------
    def _live(self, terms, steps):
        start, (number, unit), mode, prorata, duration, renew, cents = terms
        self.env.company.service_invoice_prorata = prorata
        end = start + timedelta(duration) if duration is not None else None
        fee = cents / 100.0
        contract = self.env["service.contract"].create(
            {
                "partner_id": self.customer.id,
                "contract_type": "maintenance",
                "date_start": start,
                "date_end": end,
                "recurring_interval_number": number,
                "recurring_interval_type": unit,
                "recurring_invoicing_mode": mode,
                "auto_renew": bool(renew),
                "renewal_months": renew or 12,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": self.fee_product.id,
                            "price_unit": fee,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        contract.action_start()
        model = BillingModel(start, number, unit, mode == "in_advance", prorata, end)
        today = start - timedelta(3)
        for index, (days, step) in enumerate(steps):
            # every step lets time pass, invoices, then does something
            today += timedelta(days)
            self.Invoicing._invoice_contracts(
                date=today, contracts=contract, post=False
            )
            model.run(today)
            label = f"step {index} {step} on {today}"
            self._check(contract, model, fee, f"{label}, after the run")
            step_method = getattr(self, f"_step_{step[0]}")
            step_method(contract, model, today, *step[1:])
            self.assertEqual(contract.state, model.state, label)
            self._check(contract, model, fee, label)

    # ------------------------------------------------------------------
    # Steps: what the user or a scheduled action does, to the contract and
    # to the model alike (refused where the model says it must be)
    # ------------------------------------------------------------------
    def _step_run(self, contract, model, today):
        pass  # the run every step starts with

    def _step_rerun(self, contract, model, today):
        self.Invoicing._invoice_contracts(date=today, post=False)
        model.run(today)

    def _step_expiry(self, contract, model, today):
        contract._cron_service_contract_expiry(date=today)
        if model.state == "running" and model.end and model.end < today:
            if contract.auto_renew:
                while model.end < today:
                    model.end += relativedelta(months=contract.renewal_months)
                model.postponed = None
            else:
                model.state = "expired"

    def _step_renew(self, contract, model, today):
        if model.state in ("running", "expired") and model.end:
            contract.action_renew()
            model.end += relativedelta(months=contract.renewal_months)
            model.state = "running"
            model.postponed = None

    def _step_close(self, contract, model, today):
        if model.state in ("running", "expired") and today >= model.start:
            contract._close(today)
            model.close(today)
        else:
            self._refused(contract._close, today)

    def _step_cancel(self, contract, model, today):
        if model.state == "running":
            contract.action_cancel()
            model.state = "cancelled"
        else:
            self._refused(contract.action_cancel)

    def _step_edit_end(self, contract, model, today, days):
        if model.state != "running":
            return
        new_end = today + timedelta(days) if days is not None else False
        values = {"date_end": new_end, "change_reason": "Customer asked"}
        last_billed = max(model.billed) if model.billed else None
        if new_end and (
            new_end < model.start or (last_billed and new_end < last_billed)
        ):
            self._refused(contract.write, values)
        else:
            contract.write(values)
            model.end = new_end or None
            model.postponed = None

    def _step_postpone(self, contract, model, today, days):
        if model.state != "running" or not contract.next_invoice_date:
            return
        later = contract.next_invoice_date + timedelta(days)
        last = model.end + ONE if model.end else None
        values = {"next_invoice_date": later, "change_reason": "Asked"}
        if last and later > last:
            self._refused(contract.write, values)
        else:
            contract.write(values)
            model.postponed = later

    @given(
        terms=st.tuples(
            st.one_of(
                st.sampled_from(
                    [
                        date(2024, 1, 31),
                        date(2024, 2, 29),
                        date(2023, 12, 31),
                        date(2024, 1, 30),
                        date(2024, 3, 31),
                        date(2024, 8, 31),
                        date(2025, 1, 15),
                    ]
                ),
                st.dates(date(2023, 1, 1), date(2025, 12, 31)),
            ),
            st.one_of(
                st.tuples(st.integers(10, 40), st.just("day")),
                st.tuples(st.integers(1, 4), st.just("week")),
                st.tuples(st.integers(1, 3), st.just("month")),
                st.tuples(st.just(1), st.just("year")),
            ),
            st.sampled_from(["in_advance", "in_arrears"]),
            st.booleans(),
            st.one_of(st.none(), st.integers(20, 200), st.integers(20, 200)),
            st.sampled_from([0, 0, 1, 3, 12]),
            st.integers(1000, 50000),
        ),
        steps=st.lists(
            st.tuples(
                st.integers(0, 90),
                st.one_of(
                    st.just(("run",)),
                    st.just(("run",)),
                    st.just(("rerun",)),
                    st.just(("expiry",)),
                    st.just(("renew",)),
                    st.just(("close",)),
                    st.just(("cancel",)),
                    st.tuples(
                        st.just("edit_end"),
                        st.one_of(st.none(), st.integers(-60, 400)),
                    ),
                    st.tuples(st.just("postpone"), st.integers(1, 90)),
                ),
            ),
            min_size=3,
            max_size=16,
        ),
    )
    @settings(settings.get_profile(PROFILE))
    def test_every_day_billed_exactly_once(self, terms, steps):
        type(self).lives += 1
        type(self).steps += len(steps)
        with self.env.cr.savepoint(flush=True) as savepoint:
            try:
                self._live(terms, steps)
            finally:
                savepoint.rollback()
                self.env.invalidate_all()
