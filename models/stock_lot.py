# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command, Domain
from odoo.tools import format_date

from .selections import CONTRACT_READERS, WORK_READERS
from .service_document_mixin import open_action
from .service_write_policy_mixin import CONTRACT_TERMS, OFFICER, SYSTEM, groups

LOT_KEEPERS = groups(OFFICER, "stock.group_stock_user")

SERVICE_STATES = [
    ("in_stock", "In Stock"),
    ("installed", "Installed"),
    ("in_repair", "In Repair"),
    ("returned", "Returned"),
    ("scrapped", "Scrapped"),
]
# the values an installed-base event sets on a serial
SERVICE_VALUE_FIELDS = (
    "service_partner_id",
    "service_address_id",
    "service_installed_on",
    "warranty_end_date",
    "service_state",
    "service_last_event_date",
    "service_last_move_id",
)


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = [
        "stock.lot",
        "service.note.mixin",
        "service.profitability.mixin",
        "service.write.policy.mixin",
    ]
    # the installed base: officers and stock users keep it (deliveries and
    # returns update it as the application)
    _write_policy = {
        "service_note": LOT_KEEPERS,
        "service_partner_id": LOT_KEEPERS,
        "service_address_id": LOT_KEEPERS,
        "service_installed_on": LOT_KEEPERS,
        "warranty_end_date": LOT_KEEPERS,
        "service_state": LOT_KEEPERS,
        "service_to_confirm": LOT_KEEPERS,
        # reset with the warranty end it reminds of
        "service_warranty_reminded": LOT_KEEPERS,
        "service_contract_ids": CONTRACT_TERMS,
        "service_last_event_date": SYSTEM,
        "service_last_move_id": SYSTEM,
        "under_warranty": SYSTEM,
        "service_installed_base": SYSTEM,
        "service_contract_count": SYSTEM,
        "service_intervention_count": SYSTEM,
    }
    _write_policy_default = SYSTEM  # the profitability figures
    _service_profitability_field = "lot_id"

    service_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index="btree_not_null",
        domain="[('is_company', '=', True)]",
        help="Customer holding this product.",
    )
    service_address_id = fields.Many2one(
        "res.partner",
        string="Installation Site",
        help="Where the product is installed (the delivery address).",
    )
    service_installed_on = fields.Date(string="Installed On")
    warranty_end_date = fields.Date(string="Warranty End")
    service_state = fields.Selection(
        SERVICE_STATES,
        default="in_stock",
        required=True,
        index=True,
    )
    service_last_event_date = fields.Datetime(
        string="Last Delivery Event",
        readonly=True,
        copy=False,
        help="Date of the last delivery or return applied to this serial: older "
        "events (e.g. replayed by the backfill) never overwrite newer ones.",
    )
    service_last_move_id = fields.Many2one(
        "stock.move",
        string="Last Delivery Move",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    service_to_confirm = fields.Boolean(
        string="To Confirm",
        copy=False,
        help="Added on the spot by a technician: an officer checks the product, "
        "the customer and the warranty, then untick it.",
    )
    service_warranty_reminded = fields.Boolean(
        copy=False, help="A warranty-end reminder was scheduled for this serial."
    )
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", search="_search_under_warranty"
    )
    service_installed_base = fields.Boolean(
        related="product_id.service_installed_base", string="Tracked Product"
    )
    service_contract_ids = fields.Many2many(
        "service.contract",
        "service_contract_stock_lot_rel",
        "lot_id",
        "contract_id",
        string="Contracts",
        copy=False,
        groups=CONTRACT_READERS,
    )
    service_contract_count = fields.Integer(
        compute="_compute_service_contract_count", groups=CONTRACT_READERS
    )
    service_intervention_count = fields.Integer(
        compute="_compute_service_intervention_count",
        string="Interventions",
        groups=WORK_READERS,
    )

    @api.depends("warranty_end_date")
    @api.depends_context("date")
    def _compute_under_warranty(self):
        today = self._service_today()
        for lot in self:
            lot.under_warranty = bool(
                lot.warranty_end_date and lot.warranty_end_date >= today
            )

    def _search_under_warranty(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        running = Domain("warranty_end_date", ">=", self._service_today())
        positive = (True in value) == (operator == "in")
        return running if positive else ~running

    @api.depends("service_contract_ids")
    def _compute_service_contract_count(self):
        for lot in self:
            lot.service_contract_count = len(lot.service_contract_ids)

    def _compute_service_intervention_count(self):
        counts = self._get_service_intervention_counts()
        for lot in self:
            lot.service_intervention_count = counts.get(lot, 0)

    def _get_service_intervention_counts(self):
        """{serial: number of interventions on it} (one query)."""
        return dict(
            self.env["service.intervention.object"]._read_group(
                [("lot_id", "in", self.ids)],
                ["lot_id"],
                ["intervention_id:count_distinct"],
            )
        )

    def get_formview_id(self, access_uid=None):
        """Users outside inventory open serials in the installed-base form:
        the standard one needs stock rights (transfers, sales)."""
        user = self.env["res.users"].browse(access_uid) if access_uid else self.env.user
        if not user.has_group("stock.group_stock_user"):
            return self.env.ref("service_management.stock_lot_view_form").id
        return super().get_formview_id(access_uid=access_uid)

    @api.model
    def _service_today(self):
        return fields.Date.to_date(self.env.context.get("date")) or (
            fields.Date.context_today(self)
        )

    @api.constrains("service_installed_on")
    def _check_service_installed_on(self):
        today = fields.Date.context_today(self)
        for lot in self:
            if lot.service_installed_on and lot.service_installed_on > today:
                raise ValidationError(lot._get_service_installed_on_error())

    def _get_service_installed_on_error(self):
        return self.env._(
            "Serial %(lot)s: the installation date %(date)s is in the "
            "future. Enter the day it was actually installed.",
            lot=self.name,
            date=self.service_installed_on,
        )

    @api.constrains("service_partner_id", "company_id")
    def _check_service_partner_company(self):
        for lot in self:
            partner_company = lot.service_partner_id.company_id
            # a serial shared between companies is held in the current one
            company = lot.company_id or self.env.company
            if partner_company and partner_company != company:
                raise ValidationError(
                    self.env._(
                        "Serial %(lot)s belongs to %(company)s but customer "
                        "%(partner)s belongs to %(partner_company)s: choose a "
                        "customer of %(company)s or shared between companies.",
                        lot=lot.name,
                        company=company.name,
                        partner=lot.service_partner_id.display_name,
                        partner_company=partner_company.name,
                    )
                )

    @api.onchange("service_installed_on", "product_id")
    def _onchange_service_installed_on(self):
        months = self.product_id.service_warranty_months
        if self.service_installed_on and months and not self.warranty_end_date:
            self.warranty_end_date = self.service_installed_on + relativedelta(
                months=months
            )

    @api.onchange("service_partner_id")
    def _onchange_service_partner_id(self):
        if self.service_partner_id and (
            self.service_address_id.commercial_partner_id
            != self.service_partner_id.commercial_partner_id
        ):
            self.service_address_id = self.service_partner_id
        if self.service_partner_id and self.service_state == "in_stock":
            self.service_state = "installed"

    def write(self, vals):
        if "warranty_end_date" in vals and "service_warranty_reminded" not in vals:
            vals = dict(vals, service_warranty_reminded=False)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_service_interventions(self):
        self.ensure_one()
        return open_action(
            self.env,
            "service_management.action_service_intervention",
            [("object_ids.lot_id", "=", self.id)],
            self._get_service_intervention_defaults(),
        )

    def _get_service_intervention_defaults(self):
        """A new intervention from the serial: its customer, on it."""
        return {
            "default_partner_id": self.service_partner_id.id,
            "default_object_ids": [
                Command.create({"lot_id": self.id, "product_id": self.product_id.id})
            ],
        }

    def action_view_service_contracts(self):
        self.ensure_one()
        return open_action(
            self.env,
            "service_management.action_service_contract",
            [("lot_ids", "in", self.ids)],
            {"default_partner_id": self.service_partner_id.id},
        )

    # ------------------------------------------------------------------
    # Installed-base events: deliveries to and returns from customers
    # ------------------------------------------------------------------
    @api.model
    def _service_events_from_move_lines(self, move_lines):
        """Installed-base events of done move lines, oldest first.

        A line delivering a tracked serial into a customer location (delivery,
        last step of pick/pack/ship, dropship) installs it; a line bringing it
        back from a customer location (return) marks it returned.
        """
        events = []
        for line in move_lines:
            kind = self._service_event_kind(line)
            if not kind:
                continue
            move = line.move_id
            events.append(
                {
                    "lot": line.lot_id,
                    "kind": kind,
                    "site": move.picking_id.partner_id or move.partner_id,
                    "date": line.date,
                    "origin": move.picking_id or move,
                    # serials of one move share their values: one write per move
                    "sequence": move.id,
                    "move": move,
                }
            )
        events.sort(key=lambda event: (event["date"], event["sequence"]))
        return events

    @api.model
    def _service_event_kind(self, line):
        """ "delivery", "return" or None (not an installed-base event)."""
        if (
            line.state != "done"
            or not line.lot_id
            or not line.product_id.service_installed_base
        ):
            return None
        return self._service_event_direction(line)

    @api.model
    def _service_event_direction(self, line):
        """ "delivery" into a customer location, "return" out of one, else None."""
        to_customer = line.location_dest_usage == "customer"
        from_customer = line.location_usage == "customer"
        if to_customer and not from_customer:
            return "delivery"
        if from_customer and not to_customer:
            return "return"
        return None

    @api.model
    def _service_apply_events(self, events):
        """Apply installed-base events (see `_service_events_from_move_lines`).

        Serials are updated with one write per distinct set of values and the
        events are logged on their chatter in one batch
        (``_message_log_batch``: messages created 100 rows a query), so the
        number of queries barely grows with the number of serials. Events
        older than the last one applied to a serial are ignored: replaying
        them changes nothing.

        :return: dict of counts: registered, updated, returned, unchanged
        """
        counts = dict.fromkeys(("registered", "updated", "returned", "unchanged"), 0)
        if not events:
            return counts
        lots = self.browse().union(*(event["lot"] for event in events))
        current = {lot: {f: lot[f] for f in SERVICE_VALUE_FIELDS} for lot in lots}
        state = {lot: dict(values) for lot, values in current.items()}
        logs = self._service_fold_events(events, state)
        to_write = defaultdict(list)
        for lot, values in state.items():
            kind = self._service_change_kind(current[lot], values)
            counts[kind] += 1
            if kind != "unchanged":
                to_write[self._service_values_key(values)].append(lot.id)
        for key, lot_ids in to_write.items():
            self.browse(lot_ids).write(dict(key))
        changed = self.browse([lot_id for ids in to_write.values() for lot_id in ids])
        if changed:
            changed._message_log_batch(
                bodies={
                    lot.id: Markup("<br/>").join(line for line in logs[lot] if line)
                    for lot in changed
                }
            )
        return counts

    @api.model
    def _service_fold_events(self, events, state):
        """Fold the ``events`` newer than the last one applied into ``state``
        ({serial: values}); :return: {serial: [chatter lines]}"""
        logs = defaultdict(list)
        # the serials of a move share the words of their notes
        words = {}
        for event in events:
            lot = event["lot"]
            values = state[lot]
            last = values["service_last_event_date"]
            if last and (event["date"], event["sequence"]) <= (
                last,
                values["service_last_move_id"].id,
            ):
                continue
            key = (event["move"].id, event["date"])
            if key not in words:
                words[key] = self._service_event_words(event)
            logs[lot].append(self._service_event_apply(lot, values, event, words[key]))
        return logs

    @api.model
    def _service_change_kind(self, before, after):
        """What the events did to a serial: its count in the result."""
        if after == before:
            return "unchanged"
        if after["service_state"] == "returned":
            return "returned"
        if before["service_state"] == "in_stock":
            return "registered"
        return "updated"

    @api.model
    def _service_values_key(self, values):
        """``values`` as a hashable key: serials sharing it share a write."""
        return tuple(
            (f, v.id if isinstance(v, models.BaseModel) else v)
            for f, v in values.items()
        )

    @api.model
    def _service_event_apply(self, lot, values, event, words=None):
        """Fold one event into ``values`` and return its chatter line
        (``words``: ``_service_event_words(event)``, if known)."""
        words = words or self._service_event_words(event)
        values["service_last_event_date"] = event["date"]
        values["service_last_move_id"] = event["move"]
        site = event["site"]
        customer = site.commercial_partner_id
        if event["kind"] == "return":
            values["service_state"] = "returned"
            return self.env._(
                "Returned by %(customer)s on %(date)s (%(origin)s).",
                **dict(words, customer=words["customer"] or "-"),
            )
        previous = values["service_partner_id"]
        values["service_state"] = "installed"
        values["service_address_id"] = site
        if previous and previous == customer and values["service_installed_on"]:
            # back at the same customer (e.g. after a repair): same warranty
            return self.env._(
                "Delivered again to %(customer)s at %(site)s on %(date)s (%(origin)s).",
                **words,
            )
        self._service_install(lot, values, customer, words["date"])
        if previous and previous != customer:
            return self.env._(
                "Re-assigned from %(previous)s to %(customer)s, installed at "
                "%(site)s on %(date)s (%(origin)s).",
                previous=previous.display_name,
                **words,
            )
        return self.env._(
            "Installed at %(customer)s, %(site)s on %(date)s (%(origin)s).", **words
        )

    @api.model
    def _service_event_words(self, event):
        """What the chatter line of ``event`` says: customer, site, date and
        the transfer (a link)."""
        site = event["site"]
        return {
            "customer": site.commercial_partner_id.display_name,
            "site": site.display_name,
            "date": fields.Date.to_date(event["date"]),
            "origin": self._service_event_origin(event),
        }

    @api.model
    def _service_event_origin(self, event):
        """The transfer of an event as a link (its reference for a move)."""
        origin = event["origin"]
        if origin._name == "stock.picking":
            return origin._get_html_link()
        return origin.reference

    @api.model
    def _service_install(self, lot, values, customer, day):
        """A new installation at ``customer`` on ``day``: the warranty of
        the product starts."""
        months = lot.product_id.service_warranty_months
        values["service_partner_id"] = customer
        values["service_installed_on"] = day
        values["warranty_end_date"] = (
            day + relativedelta(months=months) if months else False
        )

    # ------------------------------------------------------------------
    # Warranty reminders
    # ------------------------------------------------------------------
    @api.model
    def _cron_service_warranty_reminder(self, date=None):
        """Schedule a to-do for each installed serial whose warranty ends within
        the company's reminder delay; once per warranty end date. The to-do
        is written in the language of the user it is assigned to."""
        today = fields.Date.to_date(date) or fields.Date.context_today(self)
        activities = self.env["mail.activity"]
        reminded = self.browse()
        for lot in self._service_warranty_ending(today):
            company = lot.company_id or self.env.company
            if lot.warranty_end_date > today + timedelta(
                days=company.service_warranty_reminder_days
            ):
                continue
            scheduled = lot._service_schedule_warranty_reminder(company)
            # nothing when activities are switched off (e.g. during an import):
            # the serial is reminded on a later run
            if scheduled:
                activities |= scheduled
                reminded |= lot
        reminded.write({"service_warranty_reminded": True})
        return len(activities)

    @api.model
    def _service_warranty_ending(self, today):
        """Installed serials not yet reminded whose warranty ends within the
        longest reminder delay of the companies."""
        companies = self.env["res.company"].search([("active", "=", True)], limit=1000)
        longest = max(companies.mapped("service_warranty_reminder_days") or [0])
        return self.search(self._get_service_warranty_ending_domain(today, longest))

    @api.model
    def _get_service_warranty_ending_domain(self, today, days):
        """Installed serials not yet reminded whose warranty ends within
        ``days`` from ``today``."""
        return [
            ("service_state", "=", "installed"),
            ("service_warranty_reminded", "=", False),
            ("warranty_end_date", ">=", today),
            ("warranty_end_date", "<=", today + timedelta(days=days)),
        ]

    def _service_schedule_warranty_reminder(self, company):
        """The to-do of the customer's salesperson (else the product's
        responsible), in their language."""
        self.ensure_one()
        user = (
            self.service_partner_id.user_id
            or self.product_id.with_company(company).responsible_id
            or self.env.user
        )
        user_env = self.env(context=dict(self.env.context, lang=user.lang))
        return self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.warranty_end_date,
            summary=user_env._(
                "Warranty of %(serial)s ends on %(date)s",
                serial=self.name,
                date=format_date(user_env, self.warranty_end_date),
            ),
            note=user_env._(
                "Offer %(customer)s a maintenance contract before "
                "the warranty of %(product)s (%(serial)s) ends.",
                customer=self.service_partner_id.display_name,
                product=self.product_id.with_env(user_env).display_name,
                serial=self.name,
            ),
            user_id=user.id,
        )
