# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time
from datetime import timedelta

import requests
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from .selections import CONTRACT_READERS, LOT_READERS, WORK_READERS
from .service_document_mixin import open_action
from .service_write_policy_mixin import SYSTEM

_logger = logging.getLogger(__name__)

NOMINATIM_URL = "https://nominatim.openstreetmap.org/search"
# Nominatim's usage policy: at most one request per second
GEOCODE_INTERVAL = 1.0
GEOCODE_TIMEOUT = 10
# partners geocoded per run of the scheduled action (about a minute)
GEOCODE_BATCH = 50
# a partner whose address was not found is tried again after this
GEOCODE_RETRY_DAYS = 7
# jobs of the next days need their places
GEOCODE_HORIZON_DAYS = 14
ADDRESS_FIELDS = ("street", "street2", "zip", "city", "state_id", "country_id")


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "service.profitability.mixin",
        "service.write.policy.mixin",
    ]
    # whoever edits the customer sets its distance; the rest is computed
    _write_policy = {"service_distance_km": "base.group_user"}
    _write_policy_default = SYSTEM
    _numeric_bounds = {"service_distance_km": (0, 100000)}
    _service_profitability_field = "partner_id"

    service_distance_km = fields.Float(
        string="Distance (km)",
        help="Round-trip distance from the company, proposed on mileage lines.",
    )
    # only users who may read serials, contracts and interventions get these:
    # every other user keeps opening customers as in standard Odoo
    service_lot_ids = fields.One2many(
        "stock.lot",
        "service_partner_id",
        string="Installed Products",
        groups=LOT_READERS,
    )
    service_lot_count = fields.Integer(
        compute="_compute_service_lot_count",
        string="Installed Products Count",
        groups=LOT_READERS,
    )
    service_contract_count = fields.Integer(
        compute="_compute_service_contract_count",
        string="Service Contracts Count",
        groups=CONTRACT_READERS,
    )
    service_intervention_count = fields.Integer(
        compute="_compute_service_intervention_count",
        string="Interventions Count",
        groups=WORK_READERS,
    )

    _service_distance_km_positive = models.Constraint(
        "CHECK(service_distance_km >= 0)",
        "The distance of a customer cannot be negative.",
    )

    def _service_counts(self, model, customer_path):
        """{partner: number of ``model`` records held by its customer (the
        commercial partner at ``customer_path``)}, one query for all: its
        contacts and addresses show the same count."""
        counts = self._service_customer_counts(model, customer_path)
        return {
            partner: counts.get(partner.commercial_partner_id, 0) for partner in self
        }

    def _service_customer_counts(self, model, customer_path):
        """{customer: number of its ``model`` records} of these partners."""
        customers = self.commercial_partner_id
        return dict(
            self.env[model]._read_group(
                [(customer_path, "in", customers.ids)], [customer_path], ["__count"]
            )
        )

    def _compute_service_lot_count(self):
        # a serial's customer is a commercial partner already
        counts = self._service_counts("stock.lot", "service_partner_id")
        for partner in self:
            partner.service_lot_count = counts[partner]

    def _compute_service_contract_count(self):
        counts = self._service_counts(
            "service.contract", "partner_id.commercial_partner_id"
        )
        for partner in self:
            partner.service_contract_count = counts[partner]

    def _compute_service_intervention_count(self):
        counts = self._service_counts(
            "service.intervention", "partner_id.commercial_partner_id"
        )
        for partner in self:
            partner.service_intervention_count = counts[partner]

    def _service_profitability_key(self):
        # the report names customers: contacts show their company's figures
        return self._origin.commercial_partner_id

    def action_view_service_interventions(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return open_action(
            self.env,
            "service_management.action_service_intervention",
            [("partner_id", "child_of", customer.id)],
            {"default_partner_id": self.id},
        )

    def action_view_service_contracts(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return open_action(
            self.env,
            "service_management.action_service_contract",
            [("partner_id", "child_of", customer.id)],
            {"default_partner_id": customer.id},
        )

    def action_view_service_installed_base(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return open_action(
            self.env,
            "service_management.action_service_installed_base",
            [("service_partner_id", "=", customer.id)],
            {
                "default_service_partner_id": customer.id,
                "default_service_address_id": self.id,
            },
        )

    # ------------------------------------------------------------------
    # Places of job sites (issue 20): geocoding
    # ------------------------------------------------------------------
    def write(self, vals):
        moved = any(name in vals for name in ADDRESS_FIELDS) and not (
            "partner_latitude" in vals and "partner_longitude" in vals
        )
        if moved:
            # base_geolocalize forgets the old place; so is the last attempt,
            # and the scheduled action places the new address soon
            vals = dict(vals, date_localization=False)
        result = super().write(vals)
        data = self.env.cr.precommit.data
        if moved and not data.get("service.geocode.triggered"):
            # once per transaction, whatever the number of partners moved
            data["service.geocode.triggered"] = True
            cron = self.env.ref(
                "service_management.ir_cron_service_geocode", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()
        return result

    def _service_address_query(self):
        self.ensure_one()
        partner = self.with_context(lang="en_US")
        return self.env["base.geocoder"].geo_query_address(
            street=partner.street,
            zip=partner.zip,
            city=partner.city,
            state=partner.state_id.name,
            country=partner.country_id.name,
        )

    def _service_geocode_one(self):
        """Ask the geocoding service for this partner's place.

        :return: ``(status, (lat, lon) or None)``; status is ``ok``,
            ``not_found``, ``rate_limited`` or ``error``
        """
        self.ensure_one()
        query = self._service_address_query()
        if not query:
            return "not_found", None
        provider = self.env["base.geocoder"]._get_provider().tech_name
        if provider != "openstreetmap":
            # Google or another provider: Odoo's own call
            found = self.env["base.geocoder"].geo_find(
                query, force_country=self.country_id.name
            )
            return ("ok", found) if found else ("not_found", None)
        return self._service_nominatim_find(query)

    def _service_nominatim_find(self, query):
        """Ask OpenStreetMap's Nominatim for the place of this partner's
        address ``query``: see ``_service_geocode_one``."""
        self.ensure_one()
        try:
            response = requests.get(
                NOMINATIM_URL,
                params={"format": "json", "q": query, "limit": 1},
                headers={"User-Agent": "Odoo service_management (geocoding)"},
                timeout=GEOCODE_TIMEOUT,
            )
        except requests.RequestException as error:
            _logger.warning("Geocoding %s failed: %s", self.display_name, error)
            return "error", None
        if response.status_code == 429:
            return "rate_limited", None
        if response.status_code != 200:
            _logger.warning(
                "Geocoding %s failed: HTTP %s", self.display_name, response.status_code
            )
            return "error", None
        return self._service_nominatim_place(response)

    @api.model
    def _service_nominatim_place(self, response):
        """``(status, (lat, lon) or None)`` of Nominatim's answer."""
        try:
            found = response.json()
            return ("ok", (float(found[0]["lat"]), float(found[0]["lon"])))
        except (ValueError, KeyError, IndexError, TypeError):
            return "not_found", None

    def _service_geocode(self, limit=GEOCODE_BATCH):
        """Place these partners (at most ``limit``, one request a second).
        Never raises: what fails is logged and noted on the partner.

        :return: ``{"ok": partners, "not_found": partners, "rate_limited":
            partners not tried, "error": partners}``
        """
        result = {
            status: self.browse()
            for status in ("ok", "not_found", "rate_limited", "error")
        }
        last_call = None
        partners = self[:limit] if limit else self
        for index, partner in enumerate(partners):
            last_call = self._service_geocode_wait(last_call)
            status, place = partner._service_geocode_one()
            if status == "rate_limited":
                # the service asks us to stop: the rest waits for the next run
                result["rate_limited"] |= partners[index:]
                _logger.warning(
                    "Geocoding stopped: the service limits the requests (%s "
                    "partners left for the next run).",
                    len(partners) - index,
                )
                break
            result[status] |= partner
            partner._service_geocode_save(status, place)
        return result

    @api.model
    def _service_geocode_wait(self, last_call):
        """Wait until a request a second: ``last_call`` is the time of the
        previous one (None: none); returns the time of this one."""
        if last_call is not None:
            wait = GEOCODE_INTERVAL - (time.monotonic() - last_call)
            if wait > 0:
                time.sleep(wait)
        return time.monotonic()

    def _service_geocode_save(self, status, place):
        """Store what geocoding this partner gave: its place, or the day it
        was not found (the scheduled action waits before trying again) with
        a note."""
        self.ensure_one()
        if status == "ok":
            self.sudo().write(self._prepare_service_place(place))
        elif status == "not_found":
            self._service_mark_not_found()

    def _prepare_service_place(self, place):
        """Values of a partner placed today at ``place`` (lat, lon)."""
        return {
            "partner_latitude": place[0],
            "partner_longitude": place[1],
            "date_localization": fields.Date.context_today(self),
        }

    def _service_mark_not_found(self):
        """Keep the day the address was not found, with a note."""
        self.ensure_one()
        self.sudo().write({"date_localization": fields.Date.context_today(self)})
        self._service_note_not_found()

    def _service_note_not_found(self):
        self.ensure_one()
        body = Markup("<p>%s</p>") % self._service_not_found_text()
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _service_not_found_text(self):
        return self.env._(
            "The address “%(address)s” was not found on the map: "
            "correct it, or type the latitude and longitude.",
            address=self._service_address_query(),
        )

    def action_service_geocode(self):
        """Button: place these partners now and say what happened."""
        result = self._service_geocode(limit=GEOCODE_BATCH)
        failed = result["not_found"] | result["error"] | result["rate_limited"]
        if failed:
            raise UserError(
                self._service_geocode_failure(failed, bool(result["rate_limited"]))
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s places found.", count=len(result["ok"])
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _service_geocode_failure(self, failed, rate_limited):
        """What the user reads when the ``failed`` partners were not placed."""
        message = self.env._(
            "Not placed: %(partners)s. See the partner's notes, or type "
            "the latitude and longitude.",
            partners=", ".join(failed.mapped("display_name")),
        )
        if not rate_limited:
            return message
        return self.env._(
            "The map service asks to wait: try again in a minute. %(rest)s",
            rest=message,
        )

    @api.model
    def _service_partners_to_geocode(self, today=None):
        """Sites of the open jobs of the next days and the technicians'
        start and end places that have no coordinates (and were not tried
        in the last days)."""
        today = today or fields.Date.context_today(self)
        partners = self._service_places_needed(today)
        retry = today - timedelta(days=GEOCODE_RETRY_DAYS)
        return partners.filtered(lambda p: p._service_needs_geocode(retry))

    @api.model
    def _service_places_needed(self, today):
        """The partners the routes of the next days start, stop or end at."""
        return (
            self._service_job_sites_to_geocode(today)
            | self._service_route_places_to_geocode()
            | self.env["res.company"].sudo().search([("active", "=", True)]).partner_id
        )

    def _service_needs_geocode(self, retry):
        """This partner has an address but no place, and was not tried
        since ``retry``."""
        self.ensure_one()
        return bool(
            not self.partner_latitude
            and not self.partner_longitude
            and (self.city or self.zip or self.street)
            and (not self.date_localization or self.date_localization < retry)
        )

    @api.model
    def _service_job_sites_to_geocode(self, today):
        """Sites of the open jobs of the next days (or not planned yet)."""
        domain = self._service_geocode_jobs_domain(today)
        Intervention = self.env["service.intervention"].sudo()
        jobs = Intervention.search_fetch(domain, ["partner_id", "partner_shipping_id"])
        return (
            jobs.partner_shipping_id
            | jobs.filtered(lambda j: not j.partner_shipping_id).partner_id
        )

    @api.model
    def _service_geocode_jobs_domain(self, today):
        """Open jobs of the next days from ``today``, or not planned yet."""
        start = fields.Datetime.to_datetime(today)
        end = start + timedelta(days=GEOCODE_HORIZON_DAYS + 1)
        return [
            ("state", "in", ("draft", "scheduled")),
            "|",
            ("scheduled_start", "=", False),
            ("scheduled_start", "<", end),
            "|",
            ("scheduled_start", "=", False),
            ("scheduled_start", ">=", start),
        ]

    @api.model
    def _service_route_places_to_geocode(self):
        """The technicians' start and end places."""
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search_fetch(
                [
                    "|",
                    ("service_route_start_partner_id", "!=", False),
                    ("service_route_end_partner_id", "!=", False),
                ],
                ["service_route_start_partner_id", "service_route_end_partner_id"],
            )
        )
        return (
            employees.service_route_start_partner_id
            | employees.service_route_end_partner_id
        )

    @api.model
    def _cron_service_geocode(self, today=None, limit=GEOCODE_BATCH):
        """Scheduled action: place the partners the next days' routes need,
        ``limit`` per run at one request a second."""
        partners = self._service_partners_to_geocode(today)
        result = partners._service_geocode(limit=limit)
        done = len(partners[:limit]) - len(result["rate_limited"])
        if self.env.context.get("ir_cron_progress_id"):
            # the rest on the next run (an address may wait a day at worst)
            self.env["ir.cron"]._commit_progress(done, remaining=0)
        return result
