# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prepaid hours and included visits of the contract, consumed by the job
when it is done and given back when it is re-opened.

A concern of ``service.intervention`` (listed in its ``_inherit``): its
``action_done`` (through ``_prepare_done``), ``action_reopen`` and ``write``
call the steps below."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from .service_document_mixin import is_trusted, trusted
from .service_write_policy_mixin import SYSTEM

# written by the consumption and the actions, never by hand
ALLOWANCE_FIELDS = {
    "allowance_visit",
    "allowance_visits_left",
    "allowance_period_start",
}


class ServiceInterventionAllowance(models.AbstractModel):
    _name = "service.intervention.allowance"
    _description = "Intervention Prepaid Hours and Visits"
    _write_policy = {
        "allowance_visit": SYSTEM,
        "allowance_visits_left": SYSTEM,
        "allowance_period_start": SYSTEM,
        "contract_allowance_hours": SYSTEM,
        "contract_hours_left": SYSTEM,
    }

    # the job's contract (defined in full by service.intervention)
    contract_id = fields.Many2one("service.contract")
    # a visit of the contract's included visits, consumed when done
    allowance_visit = fields.Boolean(string="Included Visit", copy=False, readonly=True)
    allowance_visits_left = fields.Integer(copy=False, readonly=True)
    allowance_period_start = fields.Date(copy=False, readonly=True)
    contract_allowance_hours = fields.Float(
        related="contract_id.allowance_hours", string="Contract Prepaid Hours"
    )
    contract_hours_left = fields.Float(
        related="contract_id.allowance_hours_left", string="Prepaid Hours Left"
    )

    def _check_allowance_write(self, vals):
        if ALLOWANCE_FIELDS & set(vals) and not is_trusted(self):
            raise UserError(
                self.env._(
                    "The included visits an intervention uses are counted when "
                    "it is done: they cannot be changed by hand."
                )
            )

    # ------------------------------------------------------------------
    # Consumption
    # ------------------------------------------------------------------
    def _consume_allowances(self):
        """Consume what these jobs, being finished, use of their contracts'
        prepaid hours and visits, then warn the contracts running low."""
        buckets = self._allowance_consume()
        if buckets:
            contracts = self.env["service.contract"].union(*buckets)
            contracts._allowance_check_threshold(buckets)

    def _allowance_consume(self):
        """Consume the prepaid hours and included visits of the contracts of
        these interventions, which are being finished: their billable labour,
        by date then intervention and line order, while hours remain; the line
        that crosses the limit is split into a covered line and the rest,
        billed at the contract's normal coverage. Stored on the lines and
        interventions, so it is frozen with them and invoiced like any line.

        :return: {contract: period start} of the contracts consumed
        """
        jobs = self.filtered(
            lambda i: (
                i.contract_id.state == "running"
                and (i.contract_id.allowance_hours or i.contract_id.allowance_visits)
            )
        )
        if not jobs:
            return {}
        # two jobs of one contract finished at once never share an hour
        jobs.contract_id._allowance_lock()
        usage = jobs.contract_id._allowance_usage()
        buckets = jobs._consume_prepaid_hours(usage)
        jobs._consume_included_visits(usage, buckets)
        return buckets

    def _consume_prepaid_hours(self, usage):
        """Cover the billable labour of these jobs with the prepaid hours left
        in ``usage`` (updated), splitting the line that crosses the limit.

        :return: {contract: period start} of the contracts consumed
        """
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        buckets, updates, splits = {}, [], []
        for line in self._prepaid_hours_lines():
            contract = line.intervention_id.contract_id
            bucket = contract._allowance_bucket(line.date)
            left, __ = contract._allowance_available(bucket, usage)
            if float_compare(left, 0, precision_digits=digits) <= 0:
                continue
            used = min(line.quantity, float_round(left, precision_digits=digits))
            usage[contract.id]["hours"][bucket] += used
            buckets[contract] = bucket
            values = {
                "allowance_contract_id": contract.id,
                "allowance_hours": used,
                "allowance_left": float_round(left - used, precision_digits=digits),
                "allowance_period_start": bucket,
            }
            if float_compare(used, line.quantity, precision_digits=digits) < 0:
                splits.append(line._allowance_overage_values(line.quantity - used))
                # the price stays what it was for the whole line
                values.update(quantity=used, price_unit=line.price_unit)
            updates.append((line, values))
        for line, values in updates:
            trusted(line).write(values)
        if splits:
            self.env["service.intervention.line"].create(splits)
        return buckets

    def _prepaid_hours_lines(self):
        """The labour of these jobs prepaid hours may cover, in the order it
        consumes them."""
        lines = self.line_ids.filtered(
            lambda line: (
                line.line_type == "activity"
                and line.done
                and line.billable
                and line.quantity > 0
                and line.coverage_pct < 100
                and not line.allowance_hours
                and line.intervention_id.contract_id.allowance_hours
            )
        )
        return lines.sorted(
            lambda line: (line.date, line.intervention_id.id, line.sequence, line.id)
        )

    def _consume_included_visits(self, usage, buckets):
        """Count the on-site visits of these jobs as their contracts' included
        visits while some are left in ``usage`` (updated, as ``buckets``)."""
        visits = self.filtered(
            lambda i: (
                i.contract_id.allowance_visits
                and i.place == "on_site"
                and not i.allowance_visit
            )
        )
        for job in visits.sorted(lambda i: (i._first_work_date(), i.id)):
            job._consume_included_visit(usage, buckets)

    def _consume_included_visit(self, usage, buckets):
        """Count this job as one of its contract's included visits when one
        is left in ``usage`` (updated, as ``buckets``)."""
        contract = self.contract_id
        bucket = contract._allowance_bucket(self._first_work_date())
        __, left = contract._allowance_available(bucket, usage)
        if left <= 0:
            return
        usage[contract.id]["visits"][bucket] += 1
        buckets.setdefault(contract, bucket)
        trusted(self).write(
            {
                "allowance_visit": True,
                "allowance_visits_left": left - 1,
                "allowance_period_start": bucket,
            }
        )

    def _first_work_date(self):
        today = fields.Date.context_today(self)
        return min(self.line_ids.mapped("date") or [today])

    def _allowance_release(self):
        """Give back what these re-opened interventions consumed: done again,
        they consume what is left then."""
        self.line_ids._allowance_release_hours()
        visits = self.filtered("allowance_visit")
        if visits:
            trusted(visits).write(
                {
                    "allowance_visit": False,
                    "allowance_visits_left": 0,
                    "allowance_period_start": False,
                }
            )
