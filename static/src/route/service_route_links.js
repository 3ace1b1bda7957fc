/**
 * Day routes (service_management): links that open the phone's maps app,
 * times and colours shared by the dispatcher's map and the technician's
 * My Route.
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
 */
import { deserializeDateTime } from "@web/core/l10n/dates";
import { formatFloat } from "@web/core/utils/numbers";

const DIRECTIONS_URL = "https://www.google.com/maps/dir/?api=1";

// Odoo's colour picker (index 1..11), then a few more for larger teams
const PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
    "#0b5394",
    "#38761d",
];

/** Where a place is for a maps app: its coordinates when known (exact and
 * never ambiguous), else its address. */
export function placeQuery(place) {
    if (!place) {
        return "";
    }
    if (hasCoordinates(place)) {
        return `${Number(place.lat).toFixed(6)},${Number(place.lon).toFixed(6)}`;
    }
    return place.address || place.name || "";
}

export function hasCoordinates(place) {
    return Boolean(place && (place.lat || place.lon));
}

/** Google Maps' universal directions link: it opens the maps app on Android
 * and iOS (or the web page on a desktop), driving to the stop from where the
 * phone is. */
export function navigateUrl(stop) {
    const destination = placeQuery(stop);
    if (!destination) {
        return "";
    }
    return `${DIRECTIONS_URL}&destination=${encodeURIComponent(destination)}&travelmode=driving`;
}

/** The whole day as one link: from the start place through the stops, in
 * route order, to the end place. Stops already done are left out. */
export function routeUrl(technician) {
    const stops = (technician.stops || []).filter(
        (stop) => !["done", "cancelled"].includes(stop.state) && placeQuery(stop)
    );
    if (!stops.length) {
        return "";
    }
    const places = stops.map(placeQuery);
    const end = placeQuery(technician.end);
    const params = [];
    if (technician.start && placeQuery(technician.start)) {
        params.push(`origin=${encodeURIComponent(placeQuery(technician.start))}`);
    }
    let destination = end;
    let waypoints = places;
    if (!destination) {
        destination = places[places.length - 1];
        waypoints = places.slice(0, -1);
    }
    params.push(`destination=${encodeURIComponent(destination)}`);
    if (waypoints.length) {
        params.push(`waypoints=${waypoints.map(encodeURIComponent).join("%7C")}`);
    }
    params.push("travelmode=driving");
    return `${DIRECTIONS_URL}&${params.join("&")}`;
}

/** A technician's colour: the employee's (an Odoo colour index or a CSS
 * colour), else one of the palette chosen by the employee, so that a
 * technician keeps their colour from one day to the next. */
export function technicianColor(technician, index = 0) {
    const color = technician && technician.color;
    if (typeof color === "string" && /^#[0-9a-f]{3,8}$/i.test(color)) {
        return color;
    }
    if (Number.isInteger(color) && color > 0) {
        return PALETTE[(color - 1) % PALETTE.length];
    }
    const key = technician && Number.isInteger(technician.id) ? technician.id : index;
    return PALETTE[key % PALETTE.length];
}

/** "09:30" from a server datetime ("2026-11-02 08:30:00", UTC) or from hours
 * as a float (9.5). */
export function formatTime(value) {
    if (value === false || value === null || value === undefined || value === "") {
        return "";
    }
    if (typeof value === "number") {
        const minutes = Math.round(value * 60);
        const h = Math.floor(minutes / 60) % 24;
        const m = minutes % 60;
        return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
    }
    const date = deserializeDateTime(value);
    return date.isValid ? date.toFormat("HH:mm") : "";
}

export function formatSpan(start, end) {
    const from = formatTime(start);
    const to = formatTime(end);
    return from && to ? `${from}–${to}` : from || to;
}

/** A stop's appointment window ("09:00–11:00"), empty when it has none. */
export function formatWindow(stop) {
    return stop.window_start || stop.window_end
        ? formatSpan(stop.window_start, stop.window_end)
        : "";
}

/** "7.2 km" (the user's decimal separator: "7,2 km" in Italian). */
export function formatKm(km) {
    return `${formatFloat(km || 0, { digits: [16, 1] })} km`;
}

/** "1 h 05" or "25 min" of driving. */
export function formatMinutes(minutes) {
    const total = Math.round(minutes || 0);
    if (total < 60) {
        return `${total} min`;
    }
    return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, "0")}`;
}
