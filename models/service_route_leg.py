# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Distance and driving time between two places, cached per pair.

Without configuration a leg is estimated from the coordinates: great-circle
distance times the company's road factor, at its average speed. When the
company sets the URL of an OSRM server, the road distances and times of a
whole set of places come from one request to its ``table`` service; an error
falls back to the estimate. No request leaves the server otherwise.
"""

import logging
import math

import requests

from odoo import api, fields, models

from .service_write_policy_mixin import SYSTEM

_logger = logging.getLogger(__name__)

# ~11 m: two stops closer than that are the same place for driving
PRECISION = 4
EARTH_RADIUS_KM = 6371.0088
OSRM_TIMEOUT = 10
# OSRM's default --max-table-size is 100 places
OSRM_MAX_PLACES = 100


def round_place(lat, lon):
    return (round(lat or 0.0, PRECISION), round(lon or 0.0, PRECISION))


def haversine_km(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class ServiceRouteLeg(models.Model):
    _name = "service.route.leg"
    _description = "Route Leg"
    _inherit = ["service.write.policy.mixin"]
    _order = "id"
    # a cache the add-on fills itself
    _write_policy_default = SYSTEM

    from_lat = fields.Float(required=True, digits=(10, PRECISION))
    from_lon = fields.Float(required=True, digits=(10, PRECISION))
    to_lat = fields.Float(required=True, digits=(10, PRECISION))
    to_lon = fields.Float(required=True, digits=(10, PRECISION))
    km = fields.Float(string="Distance (km)", required=True)
    minutes = fields.Float(string="Driving Time (min)", required=True)
    source = fields.Selection(
        [("estimate", "Estimate"), ("osrm", "OSRM")],
        required=True,
        default="estimate",
    )

    _pair_uniq = models.UniqueIndex(
        "(from_lat, from_lon, to_lat, to_lon, source)",
        "This leg is already known.",
    )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _estimate(self, a, b, company):
        """(km, minutes) of the straight line times the road factor."""
        factor = company.service_route_road_factor or 1.3
        speed = company.service_route_speed_kmh or 50.0
        km = haversine_km(a, b) * factor
        return km, km / speed * 60.0

    @api.model
    def _matrix(self, places, company=None, pairs=None, fetch=True):
        """Distances and times between places.

        :param places: list of (lat, lon); rounded here
        :param pairs: the ordered pairs of places wanted (default: every
            pair of ``places``)
        :param fetch: with an OSRM server, ask it for the pairs the cache
            lacks (else they are estimated)
        :return: ``{(a, b): (km, minutes)}`` on rounded places (one query for
            the cache, at most one OSRM request per 100 places, one insert)
        """
        company = company or self.env.company
        pairs = self._get_rounded_pairs(places, pairs)
        result = {(a, b): (0.0, 0.0) for a, b in pairs if a == b}
        pairs = [(a, b) for a, b in pairs if a != b]
        url = (company.sudo().service_osrm_url or "").strip()
        if url:
            result.update(self._get_osrm_legs(url, pairs, company, fetch))
        else:
            # cheaper to compute than to read
            result.update({(a, b): self._estimate(a, b, company) for a, b in pairs})
        return result

    @api.model
    def _get_rounded_pairs(self, places, pairs=None):
        """The ordered pairs of rounded places wanted, without repeats
        (default: every pair of ``places``)."""
        if pairs is None:
            points = list(dict.fromkeys(round_place(*p) for p in places))
            return [(a, b) for a in points for b in points]
        return list(dict.fromkeys((round_place(*a), round_place(*b)) for a, b in pairs))

    @api.model
    def _get_osrm_legs(self, url, pairs, company, fetch):
        """Legs of these pairs (of distinct places) from the cache, else from
        the OSRM server when ``fetch`` (then cached), else estimated."""
        result = self._cached_legs(pairs, "osrm")
        missing = [pair for pair in pairs if pair not in result]
        fetched = {}
        if missing and fetch:
            wanted = list(dict.fromkeys(p for pair in missing for p in pair))
            fetched = self._osrm_table(url, wanted, missing) or {}
        for a, b in missing:
            result[a, b] = fetched.get((a, b)) or self._estimate(a, b, company)
        new = [(a, b, *fetched[a, b]) for a, b in missing if (a, b) in fetched]
        self._store_legs(new, "osrm")
        return result

    @api.model
    def _cached_legs(self, pairs, source):
        """Cached legs of these pairs of rounded places (one query)."""
        if not pairs:
            return {}
        froms = {a for a, _b in pairs}
        tos = {b for _a, b in pairs}
        self.env.cr.execute(
            """
            SELECT from_lat, from_lon, to_lat, to_lon, km, minutes
              FROM service_route_leg
             WHERE source = %s
               AND from_lat = ANY(%s) AND from_lon = ANY(%s)
               AND to_lat = ANY(%s) AND to_lon = ANY(%s)
            """,
            (source, *self._get_coordinates(froms), *self._get_coordinates(tos)),
        )
        return self._get_wanted_legs(self.env.cr.fetchall(), pairs)

    @api.model
    def _get_coordinates(self, places):
        """The sorted latitudes and the sorted longitudes of these places."""
        return sorted({p[0] for p in places}), sorted({p[1] for p in places})

    @api.model
    def _get_wanted_legs(self, rows, pairs):
        """``{(a, b): (km, minutes)}`` of the legs read that are wanted."""
        wanted = set(pairs)
        result = {}
        for flat, flon, tlat, tlon, km, minutes in rows:
            pair = (round_place(flat, flon), round_place(tlat, tlon))
            if pair in wanted:
                result[pair] = (km, minutes)
        return result

    @api.model
    def _store_legs(self, rows, source):
        """Insert legs, ignoring those another transaction stored meanwhile."""
        if not rows:
            return
        values = []
        params = []
        for a_lat, a_lon, b_lat, b_lon, km, minutes in (
            (a[0], a[1], b[0], b[1], km, minutes) for a, b, km, minutes in rows
        ):
            values.append("(%s, %s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC')")
            params += [a_lat, a_lon, b_lat, b_lon, km, minutes, source, self.env.uid]
        self.env.cr.execute(
            "INSERT INTO service_route_leg "
            "(from_lat, from_lon, to_lat, to_lon, km, minutes, source, "
            "create_uid, create_date) VALUES "
            + ", ".join(values)
            + " ON CONFLICT DO NOTHING",
            params,
        )

    @api.model
    def _osrm_table(self, url, points, pairs=None):
        """``{(a, b): (km, minutes)}`` from OSRM's table service, or None on
        an error (logged: the caller falls back to the estimate). Beyond the
        server's 100 places, one request per block of places holding wanted
        ``pairs``."""
        if len(points) <= OSRM_MAX_PLACES:
            return self._osrm_request(url, points)
        half = OSRM_MAX_PLACES // 2
        chunks = [points[i : i + half] for i in range(0, len(points), half)]
        result = {}
        for i, j in self._get_osrm_blocks(chunks, pairs):
            part = self._osrm_request(url, chunks[i] + (chunks[j] if j != i else []))
            if part is None:
                return result or None
            result.update(part)
        return result

    @api.model
    def _get_osrm_blocks(self, chunks, pairs=None):
        """The pairs ``(i, j)`` of chunks of places (i <= j) that hold wanted
        ``pairs`` (default: every pair of places)."""
        chunk_of = {p: k for k, chunk in enumerate(chunks) for p in chunk}
        if not pairs:
            pairs = [(a, b) for a in chunk_of for b in chunk_of if a != b]
        return sorted({tuple(sorted((chunk_of[a], chunk_of[b]))) for a, b in pairs})

    @api.model
    def _osrm_request(self, url, points):
        coordinates = ";".join(
            f"{lon:.{PRECISION}f},{lat:.{PRECISION}f}" for lat, lon in points
        )
        try:
            response = requests.get(
                f"{url.rstrip('/')}/table/v1/driving/{coordinates}",
                params={"annotations": "distance,duration"},
                timeout=OSRM_TIMEOUT,
            )
            response.raise_for_status()
            data = response.json()
            if data.get("code") != "Ok":
                raise ValueError(data.get("message") or data.get("code"))
            table = (data["distances"], data["durations"])
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            _logger.warning("OSRM table request to %s failed: %s", url, error)
            return None
        return self._get_osrm_legs_of_table(points, *table)

    @api.model
    def _get_osrm_legs_of_table(self, points, distances, durations):
        """``{(a, b): (km, minutes)}`` of OSRM's table of these points (metres
        and seconds, None where there is no road)."""
        result = {}
        for i, a in enumerate(points):
            for j, b in enumerate(points):
                if i == j or distances[i][j] is None or durations[i][j] is None:
                    continue
                result[a, b] = (distances[i][j] / 1000.0, durations[i][j] / 60.0)
        return result
